"""Forms: the Harness key form, picker searches and the workspace list filters."""

import functools
import re
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from workspaces.harness import Page

KEY_PATTERN = re.compile(r"^(?P<kind>pat|sat)\.(?P<account>[^.\s]+)\.[^.\s]+\.[^.\s]+$")
ACCOUNT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def account_from_key(api_key: str) -> str:
    """The account id a `pat.<account>.<id>.<secret>` key carries, or "" when it has none."""
    match = KEY_PATTERN.match(api_key)
    return match["account"] if match else ""


class HarnessKeyForm(forms.Form):
    api_key = forms.CharField(
        label="Harness API key",
        max_length=512,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "pat.…"},
        ),
        help_text="A personal access token from Harness (My Profile → API keys). "
        "It is checked with Harness, then stored encrypted.",
    )
    account_id = forms.CharField(
        label="Account ID",
        required=False,
        max_length=128,
        strip=True,
        help_text="Only needed when the key does not start with pat.<account>.",
    )

    def clean_api_key(self) -> str:
        api_key = self.cleaned_data["api_key"]
        if any(ch.isspace() for ch in api_key) or not api_key.isprintable():
            raise forms.ValidationError("A Harness key has no spaces or line breaks.")
        if len(api_key) < 8:
            raise forms.ValidationError("This is too short to be a Harness API key.")
        return api_key

    def clean(self) -> dict:
        cleaned = super().clean()
        api_key = cleaned.get("api_key")
        typed = cleaned.get("account_id", "")
        if not api_key:
            return cleaned
        from_key = account_from_key(api_key)
        if typed and not ACCOUNT_PATTERN.match(typed):
            self.add_error("account_id", "An account ID has only letters, digits, - and _.")
        elif from_key and typed and typed != from_key:
            self.add_error("account_id", f"This key belongs to account {from_key}.")
        elif not from_key and not typed:
            self.add_error(
                "account_id",
                "The account cannot be read from this key: enter the account ID "
                "(Account settings → Overview in Harness).",
            )
        cleaned["account_id"] = from_key or typed
        return cleaned


class PickerSearchForm(forms.Form):
    """Search and page for the org and project pickers."""

    q = forms.CharField(required=False, max_length=128, strip=True, label="Search")
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def value(self, name: str, default):
        if not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default


PAGE_SIZES = (10, 30, 100)
WORKSPACE_STATUSES = (
    "active",
    "inactive",
    "provisioning",
    "destroying",
    "failed",
    "drifted",
    "apply_needed",
    "rollback_applied",
    "unknown",
)
SORT_LABELS = {
    "name,ASC": "Name, A to Z",
    "name,DESC": "Name, Z to A",
    "updated,DESC": "Recently updated first",
    "updated,ASC": "Least recently updated first",
}
METRICS_WINDOWS = {"24h": 24 * 3600, "7d": 7 * 24 * 3600, "30d": 30 * 24 * 3600, "all": None}
METRICS_WINDOW_LABELS = [("24h", "24 h"), ("7d", "7 days"), ("30d", "30 days"), ("all", "All")]
TAG_PATTERN = re.compile(r"^[^,\x00-\x1f]{1,256}$")
MAX_TAG_FILTERS = 20


class _Shared:
    """A form field that every instance of its form uses as is (never changed per instance).

    Django deep-copies each field (its widget, choices, validators) for every form instance; the
    list form is built on every filter change, and those copies were a tenth of the portal's own
    time for one. Only fields no instance changes may use this.
    """

    def __deepcopy__(self, memo):
        return self


@functools.cache
def _shared(field_class: type[forms.Field]) -> type[forms.Field]:
    """`field_class` made `_Shared`: `_shared(forms.CharField)(required=False)`."""
    return type(f"Shared{field_class.__name__}", (_Shared, field_class), {})


class WorkspaceListForm(forms.Form):
    """The list's state, read from the query string.

    Invalid values are never sent to Harness: each is replaced by its default (or dropped) and
    `corrections` says what was changed, for a notice above the list.
    """

    q = _shared(forms.CharField)(required=False, max_length=128, strip=True, label="Search by name")
    sort = _shared(forms.ChoiceField)(
        required=False, choices=list(SORT_LABELS.items()), label="Sort"
    )
    status = _shared(forms.MultipleChoiceField)(
        required=False, choices=[(s, s) for s in WORKSPACE_STATUSES], label="Status"
    )
    # Changed per instance (the project's tags): copied like any field.
    tags = forms.MultipleChoiceField(required=False, label="Tags")
    page = _shared(forms.IntegerField)(required=False, min_value=1, max_value=1_000_000)
    limit = _shared(forms.TypedChoiceField)(
        required=False,
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        empty_value=30,
        label="Per page",
    )
    window = _shared(forms.ChoiceField)(
        required=False, choices=[(w, w) for w in METRICS_WINDOWS], label="Time window"
    )

    DEFAULTS = {
        "q": "",
        "sort": "name,ASC",
        "status": [],
        "tags": [],
        "page": 1,
        "limit": 30,
        "window": "all",
    }
    LABELS = {
        "q": "search",
        "sort": "sort order",
        "page": "page number",
        "limit": "page size",
        "window": "time window",
    }

    def __init__(self, data=None, *, tag_choices: list[str] | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.tag_choices = tag_choices or []
        # Tags are free text checked by shape; the project's tags only drive the picker.
        self.fields["tags"].valid_value = lambda value: bool(TAG_PATTERN.match(value))
        self.fields["tags"].choices = [(t, t) for t in self.tag_choices]
        self.corrections: list[str] = []
        self._state: dict | None = None
        self._query: QueryDict | None = None

    @property
    def state(self) -> dict:
        """Clean values for every field, defaults in place of invalid ones."""
        if self._state is None:
            self.is_valid()
            state = dict(self.DEFAULTS)
            for name, default in self.DEFAULTS.items():
                if name in self.errors:
                    state[name] = self._salvage(name, default)
                else:
                    value = self.cleaned_data.get(name)
                    state[name] = value if value not in (None, "") else default
            if len(state["tags"]) > MAX_TAG_FILTERS:
                state["tags"] = state["tags"][:MAX_TAG_FILTERS]
                self.corrections.append(f"Only the first {MAX_TAG_FILTERS} tag filters are used.")
            self._state = state
        return self._state

    def _salvage(self, name: str, default):
        """Keep the valid part of a multi-value field; otherwise note the correction."""
        if name in {"status", "tags"}:
            field = self.fields[name]
            raw = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            kept = [v for v in raw if field.valid_value(v)]
            dropped = len(raw) - len(kept)
            noun = "status" if name == "status" else "tag"
            self.corrections.append(
                f"Ignored {dropped} unknown {noun} filter{'s' if dropped != 1 else ''}."
            )
            return kept
        self.corrections.append(
            f"The {self.LABELS[name]} in the address was not valid, so the default is used."
        )
        return default

    def harness_params(self) -> dict:
        """Keyword arguments for `HarnessClient.list_workspaces`, always within the contract."""
        s = self.state
        return {
            "page": s["page"],
            "limit": s["limit"],
            "search": s["q"],
            "sort": s["sort"],
            "statuses": tuple(s["status"]),
            "tags": tuple(s["tags"]),
        }

    @property
    def query(self) -> QueryDict:
        """The clean state as a query string mapping, defaults left out (for links).

        Built once and immutable: the list template reads it for every link (`{% querystring %}`
        copies it before changing anything).
        """
        if self._query is None:
            query = QueryDict(mutable=True)
            for name, value in self.state.items():
                if value == self.DEFAULTS[name]:
                    continue
                if isinstance(value, list):
                    query.setlist(name, value)
                else:
                    query[name] = str(value)
            query._mutable = False
            self._query = query
        return self._query

    @functools.cached_property
    def _params(self) -> dict[str, list[str]]:
        """`query` as a plain dict of lists, the base every link copies."""
        return dict(self.query.lists())

    def link(self, path: str = "", /, **changes: object) -> str:
        """`path?…` for this state with `changes` applied (None removes a name), like
        `{% querystring filters.query name=value %}`, without the template machinery: the list
        and its status overview need a dozen of these per render."""
        params = dict(self._params)
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = [str(value)]
        query = urlencode([(name, v) for name, values in params.items() for v in values])
        return f"{path}?{query}"

    def table_links(self, page: Page | None, *, path: str) -> dict:
        """The table's links (`path` + query): retry, sort headers with their aria-sort and
        arrow, and the pager for `page` (with the hidden fields its page-number form repeats)."""
        arrows = {"ascending": "▲", "descending": "▼", "none": ""}
        links: dict = {"retry": self.link(path), "first": self.link(path, page=None)}
        for column in ("name", "updated"):
            aria = self.aria_sort(column)
            links[f"sort_{column}"] = self.link(path, sort=self.next_sort(column), page=None)
            links[f"sort_{column}_aria"] = aria
            links[f"sort_{column}_arrow"] = arrows[aria]
        if page is not None and page.total_pages:
            links["previous"] = self.link(path, page=page.page - 1) if page.page > 1 else ""
            links["next"] = self.link(path, page=page.page + 1)
            links["last"] = self.link(path, page=page.total_pages)
            links["pager_fields"] = [
                (name, value)
                for name, values in self._params.items()
                if name != "page"
                for value in values
            ]
        return links

    def overview_links(self, rows: list[tuple[str, int, int]], *, path: str) -> dict:
        """The status overview's links: each time window, refresh, and a filter per chart row."""
        return {
            "self": self.link(path),
            "refresh": self.link(path, refresh=1),
            "windows": [
                (value, label, self.link(path, window=value))
                for value, label in METRICS_WINDOW_LABELS
            ],
            "chart": [
                (status, count, percent, self.link(path, status=status, page=None))
                for status, count, percent in rows
            ],
        }

    def next_sort(self, column: str) -> str:
        """The sort a click on `column`'s header asks for: flip it, or start in natural order."""
        current = self.state["sort"]
        if current.startswith(column + ","):
            return f"{column},DESC" if current.endswith("ASC") else f"{column},ASC"
        return "updated,DESC" if column == "updated" else f"{column},ASC"

    def aria_sort(self, column: str) -> str:
        current = self.state["sort"]
        if not current.startswith(column + ","):
            return "none"
        return "ascending" if current.endswith("ASC") else "descending"

    @property
    def is_filtered(self) -> bool:
        s = self.state
        return bool(s["q"] or s["status"] or s["tags"])
