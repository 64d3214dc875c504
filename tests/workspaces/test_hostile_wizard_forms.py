"""The whole hostile-input corpus through the wizard's rules: every value in every field of every
step, without a request per value.

A step's POST is read by the step's form (`STEP_FORMS[step](data=...).values()`, stored as typed)
and validated again from what is stored (`validation.bind_step`): the path of every autosave and
"next" (`drafts.draft_save_step`). Here each value, put in one field of an otherwise valid draft,
must end as a field error on that field (and nowhere else), or as a draft whose create body
passes Harness's own request rules (the fake's `validate_workspace`, in process). What is stored
is JSON without NUL, and the page's field shows the value escaped. `test_hostile_input.py` sends a
sample of each class of value through the pages themselves (views, templates, the fake over HTTP).
"""

import json
import math
import re

import pytest
from django.http import QueryDict

from harness_fake.errors import ApiError
from harness_fake.seed import build_state
from harness_fake.validation import validate_workspace
from tests.conftest import ACCOUNT, FULL_KEY
from tests.hostile_values import CORPUS, NON_FINITE_NUMBERS, STEP_FIELDS
from tests.workspaces.test_drafts import valid_data
from workspaces.clients import harness_client_for
from workspaces.forms import (
    ACCOUNT_PATTERN,
    MAX_TAG_FILTERS,
    METRICS_WINDOWS,
    PAGE_SIZES,
    SORT_LABELS,
    HarnessKeyForm,
    PickerSearchForm,
    WorkspaceListForm,
)
from workspaces.harness.wire import segment
from workspaces.wizard import budgets, pickers, steps, validation
from workspaces.wizard.body import build_body
from workspaces.wizard.forms import STEP_FORMS, TemplateForm
from workspaces.wizard.rows import KEY_NOT_KEPT

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
# A status filter Harness may be sent: any status of this shape (its filter is a free string).
STATUS = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
MARKUP = ("<script>alert(1)", "<img src=x", "<svg/onload")
# The posted prefix of each step's rows -> the name of its formset (`tags`, `terraform`, ...).
ROWS = {prefix: name for name, (prefix, _fields) in validation.ROW_FIELDS.items()}
# A valid draft for default/infra, with a budget so that budgets reach the body.
VALID = valid_data(provisioner__cost_estimation_enabled=True, provisioner__budget="250")
HARNESS = build_state("demo", 0)


def _problem_key(field: str) -> str:
    """Where a posted field's error is found in `problems()`: `tag-0-key` -> `tags.0.key`, a
    management form's field (`tag-TOTAL_FORMS`) -> the formset's own errors (`tags`)."""
    prefix, _, rest = field.partition("-")
    if prefix not in ROWS or not rest:
        return field
    index, _, name = rest.partition("-")
    return f"{ROWS[prefix]}.{index}.{name}" if index.isdigit() else ROWS[prefix]


def _shown(form, field: str) -> str:
    """The HTML of `field` as the step's page shows it (a row's field, or a management form)."""
    prefix, _, rest = field.partition("-")
    if prefix not in ROWS or not rest:
        return str(form[field])
    rows = form.formsets[ROWS[prefix]]
    index, _, name = rest.partition("-")
    if not index.isdigit():
        return str(rows.management_form)
    return str(rows.forms[int(index)][name]) if int(index) < len(rows.forms) else ""


def _goa_refusal(body: dict) -> str:
    """What Harness's request decoder (Goa: required fields, types, lengths, patterns, enums) says
    of a create body, "" when it passes. The service's own `bad_request` about references (a
    connector or version Harness does not have) answers a well-formed request; the portal shows
    it on the field concerned."""
    json.dumps(body, allow_nan=False)  # never NaN or infinity
    try:
        validate_workspace(
            HARNESS, account=ACCOUNT, org="default", project="infra", body=body, existing=None
        )
    except ApiError as err:
        return "" if err.name == "bad_request" else str(err)
    return ""


def test_the_valid_draft_passes_every_rule():
    bound = {step: validation.bind_step(step, VALID) for step in steps.EDITABLE_STEPS}

    assert not any(form.problems() for form in bound.values())
    assert _goa_refusal(build_body({s: f.cleaned_values() for s, f in bound.items()})) == ""


@pytest.mark.parametrize("step", list(STEP_FIELDS))
def test_every_value_in_every_field_of_the_step(step):
    valid_post = validation.step_data(step, steps.step_values(VALID, step))
    valid_forms = {s: validation.bind_step(s, VALID) for s in steps.EDITABLE_STEPS}
    outcomes = {"refused": 0, "accepted": 0}
    for field in STEP_FIELDS[step]:
        for value in CORPUS:
            posted = STEP_FORMS[step](data={**valid_post, field: value}, draft_data=VALID)
            stored = {**VALID, step: {**steps.step_values(VALID, step), **posted.values()}}
            text = json.dumps(stored)
            bound = {**valid_forms, step: validation.bind_step(step, stored)}
            if step == "template":  # Basics' rules read the template step (a clone's identifier)
                bound["basics"] = validation.bind_step("basics", stored)
            invalid = {s for s, form in bound.items() if form.problems()}
            # Only a value with markup characters can show as markup (rendering costs the most).
            has_markup = bool(set(value) & set("<>\"'&"))
            shown = _shown(bound[step], field) + str(bound[step].errors) if has_markup else ""

            assert "\\u0000" not in text, (field, value)  # PostgreSQL stores no NUL in jsonb
            assert not any(markup in shown for markup in MARKUP), (field, value)
            if invalid:  # a field error on this very field of this step, nowhere else
                assert invalid == {step}, (field, value, invalid)
                assert _problem_key(field) in bound[step].problems(), (field, value)
            else:
                cleaned = {s: form.cleaned_values() for s, form in bound.items()}
                body = build_body(cleaned, locked=steps.locked_map(stored))
                assert _goa_refusal(body) == "", (field, value)
            outcomes["refused" if invalid else "accepted"] += 1

    assert sum(outcomes.values()) == len(STEP_FIELDS[step]) * len(CORPUS)
    assert outcomes["refused"] > 0  # the corpus reaches the rules of the step


def _stored_with(step: str, field: str, value: str) -> dict:
    """The valid draft with `value` posted in one field of `step`, as the step stores it."""
    valid_post = validation.step_data(step, steps.step_values(VALID, step))
    posted = STEP_FORMS[step](data={**valid_post, field: value}, draft_data=VALID)
    return {**VALID, step: {**steps.step_values(VALID, step), **posted.values()}}


def _text_fields(step: str) -> list[str]:
    """The posted fields of `step` that keep text: not the paste box (its reader refuses a line
    holding a key) nor a checkbox."""
    form = STEP_FORMS[step]
    return [
        field
        for field in STEP_FIELDS[step]
        if (field in form.base_fields or "-0-" in field)
        and field not in form.transient
        and field != "cost_estimation_enabled"
    ]


@pytest.mark.parametrize("step", list(STEP_FIELDS))
def test_a_harness_key_in_any_field_is_never_stored_and_is_refused_on_that_field(step):
    """A key typed in a field (or with other text, or the mark a key leaves) is stored as the
    mark alone and refused on that very field, whatever the field's own rules."""
    for field in _text_fields(step):
        for value in (FULL_KEY, f"token {FULL_KEY}\nmore", "[redacted]"):
            stored = _stored_with(step, field, value)

            assert FULL_KEY.rsplit(".", 1)[1] not in json.dumps(stored), (field, value)
            assert _problem_key(field) in validation.bind_step(step, stored).problems(), field


@pytest.mark.parametrize(
    "value",
    ["pat.de.la.cruz@example.com", "https://sat.eu.example.com/v1", "Owned by pat.smith"],
)
@pytest.mark.parametrize("step", list(STEP_FIELDS))
def test_a_value_that_only_looks_like_a_key_is_stored_as_typed_in_any_field(step, value):
    """Not a key: kept as typed, and never refused as one (a field's own rules may refuse it)."""
    for field in _text_fields(step):
        stored = _stored_with(step, field, value)
        problems = validation.bind_step(step, stored).problems()

        assert value in json.dumps(stored, ensure_ascii=False), field
        assert not any(KEY_NOT_KEPT in m for ms in problems.values() for m in ms), field


def test_budgets_from_the_corpus():
    data = valid_data(provisioner__cost_estimation_enabled=True)
    for budget in CORPUS + [f"{sign}{value}" for sign in "+-" for value in NON_FINITE_NUMBERS]:
        data["provisioner"]["budget"] = budget

        refused = "budget" in validation.bind_step("provisioner", data).errors
        number = budgets.budget_number(budget)

        # Refused on its field, or a finite number in range: never NaN or infinity in the body.
        assert refused == (number is None and bool(budget.strip())), budget
        assert number is None or (math.isfinite(number) and 0 <= number <= 10_000_000)
        json.dumps(build_body(data), allow_nan=False)


@pytest.mark.parametrize("field", ["template_ref", "template_version", "clone_identifier"])
def test_template_choices_that_pass_are_safe_path_segments(field):
    """A choice that passes the template step's rules is read from Harness (its ref, version or
    workspace identifier become path segments); one that does not is never read."""
    source = "clone" if field == "clone_identifier" else "template"
    chosen = {"template_ref": "account.aws_service", "template_version": "v1"}
    for value in CORPUS:
        form = TemplateForm(
            data={"source": source, **chosen, "template_mode": "copied", field: value},
            draft_data=VALID,
        )
        read = form.values()[field]

        if form.choice_complete() and not read:  # no version: the stable one, no segment
            assert field == "template_version", value
        elif form.choice_complete():  # what `draft_save_step` reads (valid once it is read)
            assert segment(read, field) and read not in {".", ".."}, value
            assert "/" not in segment(read, field), value  # one segment, "/" and all encoded
            # A version label as Harness makes one (harness-core NGRegexValidatorConstants.
            # VERSION_LABEL_PATTERN: a letter or digit, then no ASCII space), never a control
            # character; the other values as plain as ever.
            plain = (
                r"[0-9A-Za-z][^\x00-\x20\x7f]{0,63}"
                if field == "template_version"
                else r"[A-Za-z0-9_.$-]+"
            )
            assert re.fullmatch(plain, read), value
        else:
            assert list(form.errors) == [field], (value, form.errors)
        if field == "template_ref":  # the versions picker reads only a well-formed ref
            assert not steps.template_ref_ok(read) or re.fullmatch(r"[A-Za-z0-9_.$-]+", read)


def test_picker_searches_and_identifier_checks(db, user_with_key, fake):
    """Searches and pages as every picker reads them (`PickerSearchForm`: the wizard's, the org
    and project pickers), and the identifier check itself against the fake (it asks Harness only
    about well-formed identifiers)."""
    client = harness_client_for(user_with_key)
    for value in CORPUS:
        query = PickerSearchForm({"q": value}).value("q", "")
        page = PickerSearchForm({"page": value}).value("page", 1)
        identifier = value.strip()[:256]  # as the view reads it
        check = pickers.identifier_check(
            client=client, org="default", project="infra", identifier=identifier
        )

        assert len(query) <= 128 and "\x00" not in query, value
        assert isinstance(page, int) and 1 <= page <= 100_000, value
        assert check.state == ("invalid" if not IDENT.match(identifier) else "ok"), value
    for entry in fake.log(route="iacm.workspaces.get"):
        assert IDENT.match(entry["path"].rsplit("/", 1)[-1]), entry["path"]
        assert entry["status"] == 404


LIST_PARAMS = ("q", "sort", "status", "tags", "page", "limit", "window")


@pytest.mark.parametrize("param", LIST_PARAMS)
def test_the_list_query_over_the_corpus_is_one_harness_accepts(param):
    """Every value of the corpus in each of the list's query parameters, as the list form reads
    it into the `ListQuery` the list call is built from (the pages take samples of each class in
    `test_hostile_input.py`, over HTTP to the fake)."""
    for value in CORPUS:
        data = QueryDict(mutable=True)
        data.setlist(param, [value])
        form = WorkspaceListForm(data, tag_choices=["env:prod"])

        query = form.query

        assert len(query.q) <= 128 and "\x00" not in query.q, value
        assert query.sort in SORT_LABELS, value
        assert all(STATUS.fullmatch(status) for status in query.status), value
        assert len(query.tags) <= MAX_TAG_FILTERS, value
        assert all("," not in tag and "\x00" not in tag for tag in query.tags), value
        assert 1 <= query.page <= 1_000_000 and query.limit in PAGE_SIZES, value
        assert query.window in METRICS_WINDOWS, value


def test_the_key_form_over_the_corpus_passes_only_a_well_formed_key_and_account():
    """What the key page would send Harness (`GET /ng/api/accounts/{account}` with the key as
    `x-api-key`): only a printable ASCII key without spaces and an account id of its shape."""
    for value in CORPUS:
        for data in ({"api_key": value}, {"api_key": "pat.a.b.c", "account_id": value}):
            form = HarnessKeyForm(data)

            if form.is_valid():
                key, account = form.cleaned_data["api_key"], form.cleaned_data["account_id"]
                assert key.isascii() and key.isprintable() and " " not in key, data
                assert ACCOUNT_PATTERN.match(account), data
