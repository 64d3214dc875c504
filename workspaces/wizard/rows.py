"""Repeated rows as formsets: tags (Basics) and Terraform/environment variables (Variables).

Each row is a small form with its own rules; the formset's `clean` finds duplicate keys. The
limits are declared once, as the formsets' `max_num` (+ `validate_max`); `absolute_max` caps
what a request can make the server build. A row left empty (no key, no value) is ignored,
like an extra form Django did not see change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from django import forms
from django.forms import formset_factory

from portal.logs import REDACTED, holds_harness_key
from workspaces.wizard import steps

_TAG_KEY_RE = re.compile(steps.TAG_KEY_PATTERN)
_VARIABLE_KEY_RE = re.compile(steps.VARIABLE_KEY_PATTERN)
_SECRET_REF_RE = re.compile(steps.SECRET_REF_PATTERN)


# A Harness key typed in a field (`plain` keeps none) and in a secret row (which keeps only a
# reference), said on the field; the paste box says it of a line (`paste.KEY_ERROR`).
KEY_NOT_KEPT = (
    "This holds a Harness API key, which the portal never keeps in a request, so what was typed "
    f"here is not kept (it is saved as {REDACTED}): keep the key in a Harness secret and add a "
    "secret reference variable instead."
)
SECRET_NOT_KEPT = (
    "A secret row holds only a reference to a Harness secret (account.<id>, org.<id> or <id>), "
    "never a secret’s value or an API key, so what was typed here is not kept (it is saved as "
    f"{REDACTED}): choose a secret from the list."
)


def plain(value: Any, limit: int = steps.TEXT_LIMIT, *, held: str | None = None) -> str:
    """Stored text: NUL dropped (PostgreSQL cannot store it in text/jsonb), line breaks as LF
    (`lf_lines`), and capped one character past `limit`, so a longer value is still refused on
    its field (`within_text_limit`) instead of being kept cut as if it fitted. A text holding a
    Harness API key is stored as the mark `REDACTED` alone: a draft never holds a key, nor what
    was typed around it (`no_harness_key` refuses the mark on its field). Unless it is `held`:
    what Harness holds in that field of the workspace a change edits (`held_text`), kept as it
    holds it (the portal did not put it there, and the change must send it back to keep it)."""
    text = lf_lines(str(value or "").replace("\x00", ""))[: limit + 1]
    return REDACTED if key_not_held(text, held) else text


def key_not_held(value: str, held: str | None = None) -> bool:
    """Whether `value` holds a Harness API key and is not `held`, what Harness holds in its
    field (`held_text`; None: nothing held)."""
    return value != held and holds_harness_key(value)


def held_text(value: Any) -> str | None:
    """What Harness holds, as a field shows it and `plain` stores it (LF line breaks); None for
    nothing held (a create, a new row), or a value that is not text."""
    return lf_lines(value) if isinstance(value, str) else None


def lf_lines(text: str) -> str:
    """`text` with its line breaks as LF: a browser posts a textarea's as CRLF (HTML's form
    encoding), so a description or a value of several lines would come back changed."""
    return text.replace("\r\n", "\n")


class LinesField(forms.CharField):
    """Text that may hold line breaks, cleaned with them as LF (`lf_lines`)."""

    def to_python(self, value: Any) -> str:
        return lf_lines(super().to_python(value))


def within_text_limit(value: str) -> None:
    """A text field's validator: at most `TEXT_LIMIT` characters, said on the field."""
    if len(value) > steps.TEXT_LIMIT:
        raise forms.ValidationError(f"Use at most {steps.TEXT_LIMIT:,} characters.")


def no_harness_key(value: str, held: str | None = None) -> None:
    """A text field's first rule: no Harness API key (stored as `REDACTED`: `plain`), but what
    Harness holds in the field (`held`) passes, as it holds it."""
    if key_not_held(value, held):
        raise forms.ValidationError(KEY_NOT_KEPT)


def refuse_harness_keys(
    form: forms.Form, skip: tuple[str, ...] = (), held: Mapping[str, str | None] | None = None
) -> None:
    """Make `no_harness_key` the first rule of each of `form`'s text fields but `skip` (and
    those a lock disables): its message, not the field's own rules, says what became of it.
    `held`: `{field: what Harness holds in it}` (a change), let through as it is."""
    for name, field in form.fields.items():
        if name not in skip and isinstance(field, forms.CharField) and not field.disabled:
            rule = partial(no_harness_key, held=(held or {}).get(name))
            field.validators.insert(0, rule)


class RowForm(forms.Form):
    """A row; `values()` is the row as stored (as typed, valid or not).

    `held` maps the keys of the rows the workspace a change edits holds to their values (its
    snapshot's): a row of such a key whose value is still the one Harness holds keeps it as it
    is, whatever it looks like (`held_row`).
    """

    # Fields whose Harness key the row's own `clean` refuses (a secret row's value).
    own_key_rule: tuple[str, ...] = ()

    def __init__(self, *args: Any, held: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.held = held or {}
        key = str(self["key"].value() or "").strip()
        # This row's key and value as Harness holds them: they pass the key rule as they are.
        self.held_row = {"key": key, "value": held_text(self.held[key])} if key in self.held else {}
        refuse_harness_keys(self, skip=self.own_key_rule, held=self.held_row)

    def holds_key(self, name: str, value: str) -> bool:
        """Whether `value` of the field `name` holds a Harness key Harness does not hold there."""
        return key_not_held(value, self.held_row.get(name))

    def has_changed(self) -> bool:
        return bool(plain(self["key"].value()).strip() or plain(self["value"].value()))

    @property
    def value_lines(self) -> int:
        """The rows of the textarea a value of several lines is shown in (an HCL map, a heredoc,
        a tag's note); 0 for a value of one line, shown in a text input (which drops line
        breaks)."""
        value = str(self["value"].value() or "")
        if "\n" not in value and "\r" not in value:
            return 0
        return min(max(len(value.splitlines()), 2), 10)

    def values(self) -> dict[str, str]:
        return {
            name: plain(self[name].value(), held=self.held_row.get(name)) for name in self.fields
        }

    @property
    def message(self) -> str:
        """The row's first problem (key, then value, then type), shown under the row."""
        for name in ("key", "value", "value_type"):
            if self.errors.get(name):
                return self.errors[name][0]
        return ""


class TagForm(RowForm):
    """A tag. `held`: the tags of the workspace a change edits (its snapshot's, keys without
    spaces around them, as the key field cleans them): Harness holds them, so they are kept as
    they are although the rules below refuse them (a space or an @ in a key, a longer value, the
    shape of a key); a new key or value must follow the rules."""

    key = forms.CharField(
        error_messages={"required": "Enter a key for this tag."},
        widget=forms.TextInput(attrs={"maxlength": 128, "autocomplete": "off"}),
    )
    # Rendered by `wizard_basics.html`: a text input, or a textarea for a value of several lines
    # (`value_lines`), stored with LF line breaks.
    value = LinesField(
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": 256, "autocomplete": "off"}),
    )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key in self.held:
            return key
        if ":" in key:
            raise forms.ValidationError(
                "A tag key cannot contain “:”: Harness lists and filters tags as key:value. "
                "Put what follows it in the value."
            )
        if len(key) > steps.MAX_LENGTH or not _TAG_KEY_RE.fullmatch(key):
            raise forms.ValidationError("Use letters, digits, _ . / and - (up to 128).")
        return key

    def clean_value(self) -> str:
        value = self.cleaned_data["value"]
        if len(value) > 256 and held_text(self.held.get(self.cleaned_data.get("key", ""))) != value:
            raise forms.ValidationError("Use at most 256 characters.")
        return value


class VariableForm(RowForm):
    key = forms.CharField(
        error_messages={"required": "Enter a key."},
        widget=forms.TextInput(
            attrs={"maxlength": 128, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    value_type = forms.ChoiceField(
        choices=list(steps.VALUE_TYPES.items()),
        initial="string",
        error_messages={
            "required": "Choose text or secret.",
            "invalid_choice": "Choose text or secret.",
        },
    )
    # Rendered by `wizard_variables.html`: a text input, or a textarea for a value of several
    # lines (`value_lines`).
    value = LinesField(
        required=False,
        strip=False,
        validators=[within_text_limit],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    own_key_rule = ("value",)

    def __init__(self, *args: Any, held_keys: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Keys kept as they are (`held.held_variable_keys`): the workspace holds them already;
        # `held` (`held.held_variable_values`): their values, kept as Harness holds them.
        self.held_keys = held_keys

    def values(self) -> dict[str, str]:
        values = {**super().values(), "value_type": plain(self["value_type"].value()) or "string"}
        if values["value_type"] == "secret":  # spaces around a reference are never part of it
            reference = values["value"].strip()
            # Anything else is kept as typed (a text row turned secret and back keeps its value)
            # and refused on the row (`clean`); a key in it is kept as `REDACTED` (`plain`).
            if _SECRET_REF_RE.fullmatch(reference):
                values["value"] = reference
        return values

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if len(key) > steps.MAX_LENGTH:
            raise forms.ValidationError(f"Use at most {steps.MAX_LENGTH} characters.")
        if key not in self.held_keys and not _VARIABLE_KEY_RE.fullmatch(key):
            raise forms.ValidationError(f"The key {steps.VARIABLE_KEY_RULE}.")
        return key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        value = cleaned.get("value", "")
        if cleaned.get("value_type") == "secret":
            if not value:
                self.add_error("value", "Choose a secret.")
            elif self.holds_key("value", value):  # kept as `REDACTED` alone (`plain`)
                self.add_error("value", SECRET_NOT_KEPT)
            elif not _SECRET_REF_RE.fullmatch(value):  # `$` alone lets a final "\n" through
                self.add_error(
                    "value",
                    "A secret reference looks like account.<id>, org.<id> or <id>; "
                    "choose one from the secret list.",
                )
        elif self.holds_key("value", value):
            self.add_error("value", KEY_NOT_KEPT)
        return cleaned


class RowFormSet(forms.BaseFormSet):
    """Rows with unique keys; `duplicate_message` says where the first one is."""

    noun = "rows"

    def __init__(self, *args: Any, held_rows: int = 0, **kwargs: Any) -> None:
        """`held_rows`: how many rows the workspace a change edits holds (its snapshot's). They
        are the change's to keep, however many, and do not count: the limit is that many plus
        the usual one, and a request can still make the server build only 10 more."""
        added = self.max_num
        if held_rows:
            self.max_num = held_rows + added
            self.absolute_max = self.max_num + 10
        super().__init__(*args, auto_id="%s", **kwargs)
        too_many = f"Use at most {self.max_num} {self.noun}."
        if held_rows:
            too_many = (
                f"Use at most {self.max_num} {self.noun}: the {held_rows} this workspace holds "
                f"and {added} more."
            )
        self.error_messages = {**self.error_messages, "too_many_forms": too_many}

    def duplicate_message(self, key: str, first: int) -> str:
        raise NotImplementedError

    def clean(self) -> None:
        first_row: dict[str, int] = {}
        for index, form in enumerate(self.forms):
            key = form.cleaned_data.get("key") if form.has_changed() else None
            if not key:
                continue
            if key in first_row:
                form.add_error("key", self.duplicate_message(key, first_row[key]))
            else:
                first_row[key] = index

    def values(self) -> list[dict[str, str]]:
        return [form.values() for form in self.forms]


class TagRows(RowFormSet):
    noun = "tags"

    def duplicate_message(self, key: str, first: int) -> str:
        return f"The tag {key} is already set above."


class VariableRows(RowFormSet):
    noun = "variables"

    def duplicate_message(self, key: str, first: int) -> str:
        return f"Duplicate key: {key} is already row {first + 1}."


def _rows(form: type[RowForm], formset: type[RowFormSet], limit: int) -> type[RowFormSet]:
    # No extra blank rows (the "Add" buttons add them); at most `limit`, and a request can
    # never make the server build more than `limit + 10`.
    return formset_factory(
        form, formset=formset, extra=0, max_num=limit, validate_max=True, absolute_max=limit + 10
    )


TagFormSet = _rows(TagForm, TagRows, steps.MAX_TAGS)
VariableFormSet = _rows(VariableForm, VariableRows, steps.MAX_VARIABLES)


def rows_data(prefix: str, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, str]:
    """Stored rows as the formset's data (management form included)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for field in fields:
            data[f"{prefix}-{index}-{field}"] = str(row.get(field, ""))
    return data


def _index(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 5 else None


def apply_row_action(
    step: str, values: dict[str, Any], action: str, *, limits: Mapping[str, int] | None = None
) -> str | None:
    """Apply a row button (`add-tag`, `remove-var:terraform:2`, ...) to a step's values.

    `limits`: `{rows: the most the step's formset accepts}` where it is not the usual limit
    (a change keeps the tags Harness holds: `RowFormSet`'s `held_rows`).
    Returns the id to focus afterwards ("" for the actions that move no focus), or None when
    the action is not one this step knows (the view answers 400). A picker's Search or Try
    again is not a row action: the view asks `picker_search.focus_after` first.
    """
    limits = limits or {}
    if (
        action in {"next", "back"}
        # Start from's Try again: the template or workspace Harness failed to give is read again.
        or (step == "template" and action == "retry")
        or (step == "variables" and action in {"check", "retype", "paste-preview", "paste-add"})
    ):
        return ""
    kind, _, arg = action.partition(":")
    # "Add" stops at the limit: a step never holds more rows than its formset accepts.
    if step == "basics" and kind == "add-tag" and not arg:
        if len(values["tags"]) < limits.get("tags", steps.MAX_TAGS):
            values["tags"].append({"key": "", "value": ""})
        return f"tag-{len(values['tags']) - 1}-key"
    if step == "basics" and kind == "remove-tag" and _index(arg) is not None:
        index = _index(arg)
        if index < len(values["tags"]):
            values["tags"].pop(index)
        return "add-tag"
    group, _, index_text = arg.partition(":")
    if step != "variables" or group not in steps.VARIABLE_GROUPS:
        return None
    if kind == "add-var" and not index_text:
        if len(values[group]) < steps.MAX_VARIABLES:
            values[group].append({"key": "", "value_type": "string", "value": ""})
        return f"{group}-{len(values[group]) - 1}-key"
    if kind == "remove-var" and _index(index_text) is not None:
        index = _index(index_text)
        if index < len(values[group]):
            values[group].pop(index)
        return f"add-{group}"
    return None
