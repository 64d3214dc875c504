"""Forms: the Harness key form, picker searches and the workspace list filters (-> `ListQuery`)."""

import functools
import re
from dataclasses import asdict, dataclass

from django import forms
from django.http import QueryDict

from portal.logs import holds_harness_key

# `pat.<account>.<token id>.<secret>` (personal) or `sat.…` (service account) tokens.
KEY_PATTERN = re.compile(
    r"^(?P<kind>pat|sat)\.(?P<account>[A-Za-z0-9_-]{1,128})"
    r"\.[A-Za-z0-9_-]{1,128}\.[A-Za-z0-9_-]{1,256}$"
)
ACCOUNT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: Org, project and workspace identifiers as Harness allows them (the URLs' `hid`, the filters).
IDENTIFIER_PATTERN = r"[A-Za-z_][A-Za-z0-9_$-]{0,127}"


def account_from_key(api_key: str) -> str:
    """The account id a `pat.<account>.<id>.<secret>` key carries, or "" when it has none."""
    match = KEY_PATTERN.fullmatch(api_key)
    return match["account"] if match else ""


def looks_like_a_key(text: str) -> bool:
    """Whether `text` (typed where no key belongs) is, or starts like, a Harness API key."""
    return text.strip().startswith(("pat.", "sat.")) or holds_harness_key(text)


class AccountIdField(forms.CharField):
    """The account ID, shown again as typed unless it looks like a key: a key pasted here by
    mistake is never rendered back (the form says where it belongs)."""

    def bound_data(self, data, initial):
        return "" if isinstance(data, str) and looks_like_a_key(data) else data


class HarnessKeyForm(forms.Form):
    api_key = forms.CharField(
        label="Harness API key",
        max_length=512,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            # Browsers ignore "off" on a password field and fill in a saved password (the
            # portal's sign-in); "new-password" is the value they honour for "never fill in".
            # The data- attributes ask 1Password and LastPass, which read neither, to leave it.
            attrs={
                "autocomplete": "new-password",
                "data-1p-ignore": "",
                "data-lpignore": "true",
                "spellcheck": "false",
                "placeholder": "pat.…",
            },
        ),
        help_text="A personal access token from Harness (My Profile → My API Keys). "
        "It is checked with Harness, then stored encrypted.",
    )
    account_id = AccountIdField(
        label="Account ID",
        required=False,
        max_length=128,
        strip=True,
        help_text="Only needed when the key does not start with pat.<account>.",
    )

    def ask_for_the_key_again(self) -> None:
        """A form sent back with errors shows no key (`render_value=False`): when one was
        posted, the key field says it must be pasted again (its error also puts the focus there),
        so that the corrected form is not refused with "This field is required." about it."""
        if self.errors and str(self.data.get("api_key", "")).strip():
            self.add_error(
                "api_key", "For your safety the key you pasted is not shown: paste the key again."
            )

    def clean_api_key(self) -> str:
        api_key = self.cleaned_data["api_key"]
        if any(ch.isspace() for ch in api_key) or not api_key.isprintable():
            raise forms.ValidationError("A Harness key has no spaces or line breaks.")
        if not api_key.isascii():
            raise forms.ValidationError(
                "A Harness key has only unaccented letters, digits and punctuation: "
                "check that nothing else was pasted with it."
            )
        if len(api_key) < 8:
            raise forms.ValidationError("This is too short to be a Harness API key.")
        if api_key.startswith(("pat.", "sat.")) and not KEY_PATTERN.fullmatch(api_key):
            raise forms.ValidationError(
                "A Harness key looks like pat.<account>.<id>.<secret>, with letters, digits, "
                "_ and - in each part: check that you copied all of it."
            )
        return api_key

    def clean_account_id(self) -> str:
        account_id = self.cleaned_data["account_id"]
        if looks_like_a_key(account_id):
            raise forms.ValidationError(
                "That looks like an API key: paste it in the API key field above. "
                "An account ID has only letters, digits, - and _."
            )
        return account_id

    def clean(self) -> dict:
        cleaned = super().clean()
        api_key = cleaned.get("api_key")
        typed = cleaned.get("account_id", "")
        if not api_key:
            return cleaned
        from_key = account_from_key(api_key)
        if typed and not ACCOUNT_PATTERN.fullmatch(typed):
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


class SendAnywayForm(forms.Form):
    """ "Send my change anyway": the `updated` (unix ms) of the workspace the review's "Changed
    in Harness" panel showed, so that what is confirmed is what the person saw."""

    updated = forms.IntegerField(min_value=0, max_value=2**63 - 1, widget=forms.HiddenInput)


#: Said where a search box held a Harness key (the search was made without it).
KEY_IN_SEARCH = (
    "That looks like a Harness API key, so it was not searched: search by name or identifier. "
    "A key is pasted only on the Harness key page."
)


class SearchField(forms.CharField):
    """A search box's text. One holding a Harness API key is invalid (`KEY_IN_SEARCH`, code
    "harness_key"): the key page sends people on to the org picker with the key still in the
    clipboard, and a key pasted here must never be searched (sent to Harness), shown again,
    kept in the address or saved (`workspaces.search`). Checked before the length, so a key
    with more pasted after it is refused as a key."""

    def validate(self, value):
        super().validate(value)
        if holds_harness_key(value):
            raise forms.ValidationError(KEY_IN_SEARCH, code="harness_key")


#: Said in place of a picker's results when its search is too long (from an address: the box
#: takes no more).
SEARCH_MAX_LENGTH = 128
SEARCH_TOO_LONG = "A search has at most 128 characters, so this one was not made: shorten it."


class PickerSearchForm(forms.Form):
    """Search and page for the org and project pickers, and the wizard's pickers."""

    q = SearchField(
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        label="Search",
        error_messages={"max_length": SEARCH_TOO_LONG},
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def refused_search(self) -> str:
        """Why the search cannot be made ("" when it can): the org and project pickers say it
        in place of their results, rather than list everything as if nothing had been typed."""
        self.is_valid()
        return self.errors["q"][0] if "q" in self.errors else ""

    def value(self, name: str, default):
        """The field's clean value, or `default` when it is empty or invalid (each field on its
        own: an invalid page keeps the search)."""
        self.is_valid()
        if name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


PAGE_SIZES = (10, 30, 100)
#: The statuses the filter form offers (Harness's spec enum and those its docs add; contract
#: §2.4). Its `status` filter is an array of free strings (§2.0), and its counts may name a
#: status not listed here: any status of `STATUS_PATTERN`'s shape is a filter too.
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
WINDOW_PHRASES = {"24h": "24 hours", "7d": "7 days", "30d": "30 days", "all": ""}
# Harness reads `tags` as a comma-separated list (contract §2.0): a tag with a comma cannot be
# one filter. Matched whole (`fullmatch`: `$` would let a final line break through).
TAG_PATTERN = re.compile(r"[^,\x00-\x1f]{1,256}")
STATUS_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def filterable_tag(tag: str) -> bool:
    """Whether the list can be filtered by `tag` (see `TAG_PATTERN`)."""
    return bool(TAG_PATTERN.fullmatch(tag))


def filterable_status(status: str) -> bool:
    """Whether the list can be filtered by `status` (a status Harness counted, or one asked for
    in the address): a word of letters, digits, `_` and `-`; anything else is never sent."""
    return bool(STATUS_PATTERN.fullmatch(status))


#: At most this many of each (a crafted address could repeat one hundreds of times).
MAX_STATUS_FILTERS = MAX_TAG_FILTERS = 20


@dataclass(frozen=True)
class SortHeader:
    """A sortable column header: its `aria-sort`, arrow, and the sort a click asks for."""

    aria: str
    arrow: str
    next_sort: str


@dataclass(frozen=True)
class ListQuery:
    """The workspace list's state, clean: every value is one Harness accepts.

    Names are the query-string names (`status`, `tags` hold several values); `params` is the
    same state as a query string mapping for `{% querystring %}`, defaults left out.
    """

    q: str = ""
    sort: str = "name,ASC"
    status: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    page: int = 1
    limit: int = 30
    window: str = "all"

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.status or self.tags)

    @property
    def window_phrase(self) -> str:
        """The status counts' time window in words, e.g. "30 days" ("" for all time)."""
        return WINDOW_PHRASES[self.window]

    @functools.cached_property
    def params(self) -> QueryDict:
        query = QueryDict(mutable=True)
        defaults = query_defaults(type(self))
        for name, value in asdict(self).items():
            if value == defaults[name]:
                continue
            if isinstance(value, tuple):
                query.setlist(name, list(value))
            else:
                query[name] = str(value)
        query._mutable = False
        return query

    @functools.cached_property
    def sort_headers(self) -> dict[str, SortHeader]:
        """`name` and `updated`: a click flips the current order, or starts in natural order."""
        column, _, direction = self.sort.partition(",")
        headers = {}
        for name, natural in (("name", "ASC"), ("updated", "DESC")):
            if name != column:
                headers[name] = SortHeader("none", "", f"{name},{natural}")
            elif direction == "ASC":
                headers[name] = SortHeader("ascending", "▲", f"{name},DESC")
            else:
                headers[name] = SortHeader("descending", "▼", f"{name},ASC")
        return headers


@functools.cache
def query_defaults(query_class: type[ListQuery]) -> dict:
    """Each field's default, by query-string name (for `ListQuery` and its subclasses)."""
    return asdict(query_class())


class WorkspaceListForm(forms.Form):
    """Reads the list's query string into a `ListQuery`.

    Invalid values are never sent to Harness: each is replaced by its default (or dropped) and
    `corrections` says what was changed, for a notice above the list.
    """

    q = SearchField(required=False, max_length=128, strip=True, label="Search by name")
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()), label="Sort")
    status = forms.MultipleChoiceField(
        required=False, choices=[(s, s) for s in WORKSPACE_STATUSES], label="Status"
    )
    tags = forms.MultipleChoiceField(required=False, label="Tags")
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    limit = forms.TypedChoiceField(
        required=False, choices=[(n, n) for n in PAGE_SIZES], coerce=int, label="Per page"
    )
    window = forms.ChoiceField(
        required=False, choices=[(w, w) for w in METRICS_WINDOWS], label="Time window"
    )

    #: The state this form reads into (a subclass adds its own filters).
    query_class: type[ListQuery] = ListQuery
    #: Multi-value filters: the noun a correction notice uses for an ignored value.
    FILTER_NOUNS = {"status": "status", "tags": "tag"}
    LABELS = {
        "q": "search",
        "sort": "sort order",
        "page": "page number",
        "limit": "page size",
        "window": "time window",
    }

    def __init__(self, data=None, *, tag_choices: list[str] | None = None, **kwargs):
        super().__init__(data, **kwargs)
        # The picker offers the project's tags it can filter by, and names those with a comma
        # (Harness would split them); others (control characters, over 256 characters) are left
        # out.
        self.tag_choices = [tag for tag in tag_choices or [] if filterable_tag(tag)]
        self.unusable_tags = [tag for tag in tag_choices or [] if "," in tag]
        # Tags and statuses are free text checked by shape; the project's tags only drive the
        # picker, the known statuses the check boxes.
        self.fields["tags"].valid_value = filterable_tag
        self.fields["status"].valid_value = filterable_status
        self.fields["tags"].choices = [(t, t) for t in self.tag_choices]
        self.corrections: list[str] = []

    @functools.cached_property
    def query(self) -> ListQuery:
        """The clean state, defaults in place of invalid values (said in `corrections`)."""
        self.is_valid()
        values = {}
        for name, default in query_defaults(self.query_class).items():
            if name in self.errors:
                values[name] = self._salvage(name, default)
            else:
                value = self.cleaned_data.get(name)
                values[name] = value if value not in (None, "", []) else default
        for name, most in (("status", MAX_STATUS_FILTERS), ("tags", MAX_TAG_FILTERS)):
            values[name] = list(dict.fromkeys(values[name]))  # each once, in order
            if len(values[name]) > most:
                values[name] = values[name][:most]
                noun = self.FILTER_NOUNS[name]
                self.corrections.append(f"Only the first {most} {noun} filters are used.")
        return self.query_class(
            **{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()}
        )

    @functools.cached_property
    def tags_not_offered(self) -> list[str]:
        """Chosen tags the picker does not offer (a saved view's, one gone since): listed first,
        ticked, so that they can be unticked."""
        return [tag for tag in self.query.tags if tag not in self.tag_choices]

    @property
    def status_options(self) -> list[str]:
        """The status check boxes: the known statuses, then any other one asked for."""
        known = list(WORKSPACE_STATUSES)
        return known + [status for status in self.query.status if status not in known]

    def _salvage(self, name: str, default):
        """Keep the valid part of a multi-value field; otherwise note the correction."""
        if name in self.FILTER_NOUNS:
            field = self.fields[name]
            raw = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            kept = [v for v in raw if field.valid_value(v)]
            dropped = len(raw) - len(kept)
            noun = self.FILTER_NOUNS[name]
            self.corrections.append(
                f"Ignored {dropped} unknown {noun} filter{'s' if dropped != 1 else ''}."
            )
            return kept
        if self.has_error(name, code="harness_key"):
            self.corrections.append(KEY_IN_SEARCH)
            return default
        self.corrections.append(
            f"The {self.LABELS[name]} in the address was not valid, so the default is used."
        )
        return default
