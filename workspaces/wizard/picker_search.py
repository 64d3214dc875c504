"""A picker's search and Try again, with or without JavaScript, and what a picker's own
request asks for.

Each search box is named `<picker>-q`, in the step's form. With JavaScript it searches as it is
typed in (htmx asks `views.draft_picker` for the options) and wizard.js keeps Enter in it from
submitting the step. Without, its Search button (`action=search:<picker>`) posts the step: the
step is saved, as by any of its buttons, and shown again with that picker searched, the others
as they were (`?<picker>-q=`, read by the step's GET: `views._render_step`). A picker's Try
again (`retry:<picker>`; with JavaScript an htmx GET of its options) saves and shows the step
again the same way, its searches kept: nothing typed is lost.

Enter in any field of a form sends its first submit button, whichever field it is pressed in:
the hidden `action=enter` (`wizard_base.html`). It is the search of the picker whose box holds
a search its options do not show (`<picker>-searched`, in the options, redrawn with them), else
Save and continue: Enter in a search box searches, Enter anywhere else saves and continues.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from portal.logs import holds_harness_key
from workspaces.forms import SEARCH_MAX_LENGTH, PickerSearchForm
from workspaces.wizard import steps
from workspaces.wizard.pickers import PickerRequest

# The pickers each step has a Try again for: every one it shows.
RETRIED = steps.STEP_PICKERS
# The pickers each step shows a search box for: all but the version lists (they list everything).
_LISTED_WHOLE = {"version", "terragrunt-version", "template-version"}
SEARCHABLE: dict[str, tuple[str, ...]] = {
    step: tuple(name for name in names if name not in _LISTED_WHOLE)
    for step, names in RETRIED.items()
}


def search_text(text: str) -> str:
    """A picker's search as typed: the same rule as every other search box (a Harness key or a
    NUL is no search). One too long is kept, cut to a character over the limit (still too long,
    and an address that holds it stays short): `pickers.wizard_pickers` refuses it in place of
    the picker's options, as the org and project pickers do, rather than list everything."""
    form = PickerSearchForm({"q": text})
    if [error.code for error in form.errors.as_data().get("q", [])] == ["max_length"]:
        return text.strip()[: SEARCH_MAX_LENGTH + 1]
    return form.value("q", "")


def picker_request(name: str, query: Mapping[str, str], values: dict[str, Any]) -> PickerRequest:
    """What a picker's own request (`views.draft_picker`) asks for: its search (`<name>-q`) and
    what it depends on, the stored choice unless the request names another (the provisioner,
    the template; Terragrunt only as sent: its checkbox sends itself only when ticked)."""
    params = {key: query.get(key, "")[:300] for key in ("provisioner", "template_ref")}
    params = {key: value or str(values.get(key, "")) for key, value in params.items()}
    params["terragrunt"] = query.get("terragrunt", "")[:8]
    return PickerRequest(name, search_text(query.get(f"{name}-q", "")), params)


def posted_action(step: str, posted: Mapping[str, str]) -> str:
    """The button a step's POST names (`action`, "next" when none); Enter (`enter`) is a search
    not shown yet, else "next"."""
    action = posted.get("action", "next")[:64]
    if action != "enter":
        return action
    for name in SEARCHABLE.get(step, ()):
        box = posted.get(f"{name}-q")
        if box is not None and box.strip() != posted.get(f"{name}-searched", "").strip():
            return f"search:{name}"
    return "next"


def picker_action(step: str, action: str) -> tuple[str, str] | None:
    """`("search" | "retry", picker)` for a picker's Search or Try again on `step`, else None."""
    kind, _, name = action.partition(":")
    pickers = {"search": SEARCHABLE, "retry": RETRIED}.get(kind, {}).get(step, ())
    return (kind, name) if name in pickers else None


def focus_after(step: str, action: str) -> str | None:
    """Where the step shown again after a picker's Search (its box) or Try again (its options)
    takes the person; None when `action` is neither."""
    found = picker_action(step, action)
    if found is None:
        return None
    kind, name = found
    return f"{name}-q" if kind == "search" else f"{name}-options"


def searches_after(
    step: str, action: str, posted: Mapping[str, str]
) -> tuple[dict[str, str], bool]:
    """The searches the step is shown with after `action`: none unless it is a picker's Search
    or Try again; then each picker's as its options showed it, the searched picker's as its box
    holds it. And whether that box held a Harness key (never searched, nor put in the address:
    `workspaces.search`)."""
    found = picker_action(step, action)
    if found is None:
        return {}, False
    texts = {name: posted.get(f"{name}-searched", "") for name in SEARCHABLE[step]}
    kind, searched = found
    typed = ""
    if kind == "search":
        typed = texts[searched] = posted.get(f"{searched}-q", "")
    return _kept(texts), holds_harness_key(typed)


def step_searches(step: str, query: Mapping[str, str]) -> dict[str, str]:
    """The searches a step's address asks for (`?<picker>-q=`), by picker."""
    return _kept({name: query.get(f"{name}-q", "") for name in SEARCHABLE.get(step, ())})


def _kept(texts: Mapping[str, str]) -> dict[str, str]:
    """Each picker's search as `search_text` reads it, by picker; the empty ones left out."""
    searches = {name: search_text(text) for name, text in texts.items()}
    return {name: text for name, text in searches.items() if text}


def query_string(searches: dict[str, str]) -> str:
    """`searches` as the step's address says them ("" for none)."""
    return (
        "?" + urlencode({f"{name}-q": text for name, text in searches.items()}) if searches else ""
    )
