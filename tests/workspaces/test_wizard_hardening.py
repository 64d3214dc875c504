"""Issue 14, the wizard's points: YAML bombs, non-finite budgets, pastes and row limits, dot
identifiers, unknown row actions, values checked before Harness, and the drafts' cap and expiry.

Real HTTP against the fake; a hostile template is served with the fake's raw-body fault.
"""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from tests.concurrency import meanwhile, run_together
from tests.samples import formset_rows, template_answer, yaml_alias_bomb
from tests.workspaces.test_drafts import make_draft, valid_data
from workspaces import forms as forms_module
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import (
    budgets,
    create,
    drafts,
    forms,
    paste,
    prefill,
    rows,
    steps,
    submit,
    template_yaml,
    validation,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
TEMPLATE_ROUTES = ("v1.templates.get", "v1.templates.versions", "v1.templates.version")
CHOSEN_TEMPLATE = {
    "source": "template",
    "template_ref": "k8s_namespace",
    "template_version": "v1",
    "template_mode": "linked",
    "action": "next",
}


def step_url(draft, step):
    return reverse("draft_step", args=[draft.pk, step])


@pytest.fixture
def draft(user_with_key):
    return WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")


# --- 2. template YAML bombs ------------------------------------------------------------------


def test_a_yaml_bomb_template_is_refused_with_a_message_and_the_draft_stays_usable(
    signed_in_with_key, draft, fake
):
    # 9 ** 5 = 59,049 strings once expanded (the 9 ** 7 made a 66 MB draft).
    fake.inject("v1.templates.version", body=template_answer(yaml_alias_bomb(9, 5)))

    chosen = signed_in_with_key.post(step_url(draft, "template"), CHOSEN_TEMPLATE)
    page = signed_in_with_key.get(step_url(draft, "template"))
    variables = signed_in_with_key.get(step_url(draft, "variables"))

    assert chosen.status_code == 302
    assert chosen["Location"] == step_url(draft, "template")  # stays where the message is
    assertContains(page, "This template version cannot be used to fill in the wizard")
    assertContains(page, "aliases")
    assert variables.status_code == 200
    draft.refresh_from_db()
    assert len(json.dumps(draft.data)) < 2_000
    assert draft.data["template"]["applied"] == ""
    assert "variables" not in draft.data


BOMBS = {
    "aliases": yaml_alias_bomb(9, 3),
    "merge key": "a: &a {x: 1}\nb: {<<: *a}\n",
    "deep nesting": "template: " + "[" * 5000 + "]" * 5000,
    "too long": "template: {spec: {description: '" + "x" * 300_000 + "'}}",
    "too many nodes": "template:\n  spec:\n    tags:\n" + "      - 1\n" * 25_000,
    "huge integer": "template: {spec: {cost_estimation: {budget: " + "9" * 5000 + "}}}",
    "python tag": "template: !!python/object/apply:os.system ['true']",
    "unreadable": "template: [unclosed",
}


@pytest.mark.parametrize("kind", list(BOMBS))
def test_template_yaml_that_could_explode_is_refused(kind):
    with pytest.raises(prefill.PrefillRefused) as refused:
        template_yaml.load_template_yaml(BOMBS[kind])

    assert refused.value.message


def test_a_plain_template_still_loads():
    loaded = template_yaml.load_template_yaml("template:\n  spec:\n    description: &d ok\n")

    assert loaded == {"template": {"spec": {"description": "ok"}}}


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"description": "x" * (steps.TEXT_LIMIT + 1)}, "longer than 4,096 characters"),
        (
            {"repository": {"name": "r" * (steps.TEXT_LIMIT + 1), "locked": True}},
            "longer than 4,096 characters",
        ),
    ],
)
def test_what_a_template_may_put_into_a_draft_is_bounded(spec, reason):
    found = prefill.prefill_from_template_yaml({"template": {"spec": spec}}, linked=True)

    with pytest.raises(prefill.PrefillRefused) as refused:
        prefill.check_prefill_size(found)

    assert reason in refused.value.message


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"terraform": [{"key": f"k{i}", "value": "v"} for i in range(201)]}, "201 terraform"),
        (
            {
                "environment": [{"key": f"k{i}", "value": "v" * 4000} for i in range(100)],
                "terraform": [{"key": f"t{i}", "value": "v" * 4000} for i in range(100)],
            },
            "larger than",
        ),
    ],
)
def test_what_a_copied_workspace_or_pasted_code_may_put_into_a_draft_is_bounded(variables, reason):
    found = prefill.Prefill({"variables": variables}, {})

    with pytest.raises(prefill.PrefillRefused) as refused:
        prefill.check_prefill_size(found)

    assert reason in refused.value.message


def test_more_tags_than_basics_holds_are_not_put_into_a_draft():
    """A clone of a workspace with more tags than Basics' rows (each save of Basics would post
    more fields than Django accepts) is refused, as too many variables are."""
    tags = [{"key": f"k{i}", "value": "v"} for i in range(steps.MAX_TAGS + 1)]

    with pytest.raises(prefill.PrefillRefused) as refused:
        prefill.check_prefill_size(prefill.Prefill({"basics": {"tags": tags}}, {}))

    assert refused.value.message == (
        f"it has {steps.MAX_TAGS + 1} tags; a workspace here holds at most {steps.MAX_TAGS}"
    )


def test_a_templates_variable_lists_put_nothing_into_a_draft_however_long():
    """Their entry shapes are UNCONFIRMED (contract §3.1): the portal reads none of them."""
    spec = {
        "variables": [{"key": f"k{i}", "value": "v" * 4000} for i in range(100)],
        "terraform_variables": [{"key": f"t{i}", "value": "v" * 4000} for i in range(201)],
    }

    found = prefill.check_prefill_size(
        prefill.prefill_from_template_yaml({"template": {"spec": spec}}, linked=True)
    )

    assert found.values == {} and found.locked == {}


# --- 3. budgets ------------------------------------------------------------------------------

NON_FINITE_BUDGETS = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e309"]


@pytest.mark.parametrize(
    ("budget", "message"),
    [(value, "Enter the budget as a number") for value in NON_FINITE_BUDGETS[:6]]
    + [
        ("1e999", "at most 10,000,000"),
        ("1e309", "at most 10,000,000"),
        ("10000000.01", "at most 10,000,000"),
        ("-1", "cannot be negative"),
        ("-1e999", "cannot be negative"),
        ("12.345", "two decimals"),
        ("9" * 65, "Enter the budget as a number"),
    ],
)
def test_a_budget_must_be_finite_bounded_and_in_cents(budget, message):
    data = valid_data(provisioner__cost_estimation_enabled=True, provisioner__budget=budget)

    problems = validation.bind_step("provisioner", data).problems()

    assert any(message in text for text in problems["budget"]), problems
    assert budgets.budget_number(budget) is None


@pytest.mark.parametrize("budget", ["0", "500", "1250.50", "10000000", "1e3"])
def test_good_budgets_pass(budget):
    data = valid_data(provisioner__cost_estimation_enabled=True, provisioner__budget=budget)

    assert validation.bind_step("provisioner", data).problems() == {}


def test_a_non_finite_budget_never_reaches_the_review_or_harness(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key, provisioner__cost_estimation_enabled=True)
    draft.data["provisioner"]["budget"] = "nan"
    draft.save()

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))
    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert review.status_code == 200
    assert b"NaN" not in review.content
    assert submitted.status_code == 302
    assert submitted["Location"] == step_url(draft, "provisioner")
    assert not fake.log(route="iacm.workspaces.create")
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_outcome_that_cannot_be_stored_still_ends_the_submit(user_with_key, fake, monkeypatch):
    # A value the JSON check constraint refuses (what a NaN budget did): the write fails.
    def unstorable(**kwargs):
        outcome = {"outcome": "invalid", "message": float("nan")}
        return create.Written(WorkspaceDraft.Status.FAILED, outcome, kwargs["body"])

    monkeypatch.setattr(create, "_post", unstorable)
    draft = make_draft(user_with_key)

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    assert draft.harness_response["message"] == submit.UNEXPECTED["message"]


# --- 5. pastes and row limits ----------------------------------------------------------------


def test_a_long_paste_says_what_was_cut(signed_in_with_key, draft, fake):
    text = "\n".join(f"variable_{i:04d} = {i}" for i in range(3000))

    preview = signed_in_with_key.post(
        step_url(draft, "variables"),
        {"action": "paste-preview", "paste_text": text, "paste_group": "terraform"},
        headers=HTMX | {"HX-Target": "variable-paste"},
    )

    read = paste.read_pasted_block(text)
    assert 0 < read.cut_lines < 3000
    assertContains(preview, "Only the first 20,000 characters of a paste are read")
    assertContains(preview, f"lines 1 to {3000 - read.cut_lines:,} of 3,000")
    assertContains(preview, f"The last {read.cut_lines:,} lines were not read")


def test_adding_a_paste_stops_at_the_row_limit_and_says_how_many(signed_in_with_key, draft, fake):
    text = "\n".join(f"v{i} = {i}" for i in range(1000))

    added = signed_in_with_key.post(
        step_url(draft, "variables"),
        {"action": "paste-add", "paste_text": text, "paste_group": "terraform"},
        follow=True,
    )

    draft.refresh_from_db()
    assert len(draft.data["variables"]["terraform"]) == steps.MAX_VARIABLES
    assertContains(added, "Added 200 variables.")
    assertContains(added, "800 variables were not added: a group holds at most 200 variables.")


def test_add_row_buttons_stop_at_the_limit():
    full = {"tags": [{"key": f"k{i}", "value": ""} for i in range(steps.MAX_TAGS)]}
    variables = {
        "terraform": [{"key": f"k{i}"} for i in range(steps.MAX_VARIABLES)],
        "environment": [],
    }

    rows.apply_row_action("basics", full, "add-tag")
    rows.apply_row_action("variables", variables, "add-var:terraform")

    assert len(full["tags"]) == steps.MAX_TAGS
    assert len(variables["terraform"]) == steps.MAX_VARIABLES


def test_the_fields_of_the_largest_step_fit_in_one_post():
    # A formset keeps up to `absolute_max` rows (limit + 10) of what a POST sent.
    variable_fields = len(steps.VARIABLE_GROUPS) * (steps.MAX_VARIABLES + 10) * 3
    # A change keeps up to `MAX_HELD_TAGS` tags Harness holds (`prefill.check_prefill_size`)
    # and may add `MAX_TAGS` more (`rows.RowFormSet`), each tag a key and a value.
    most_tags = rows.TagFormSet(held_rows=prefill.MAX_HELD_TAGS).absolute_max
    tag_fields = most_tags * 2
    others = 20  # management forms, csrf, action, partial, paste box, step fields

    assert variable_fields + others < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert most_tags == prefill.MAX_HELD_TAGS + steps.MAX_TAGS + 10
    assert tag_fields + others < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_a_draft_holding_the_most_rows_it_can_is_saved_again(signed_in_with_key, draft, fake):
    most = steps.MAX_VARIABLES + 10
    draft.data = {
        "variables": {
            group: [{"key": f"k{i}", "value": "v", "value_type": "string"} for i in range(most)]
            for group in steps.VARIABLE_GROUPS
        }
    }
    draft.save()
    posted = {"action": "next"}
    for group in steps.VARIABLE_GROUPS:
        posted |= formset_rows(group, *draft.data["variables"][group])

    response = signed_in_with_key.post(step_url(draft, "variables"), posted)

    assert response.status_code == 200  # re-rendered with "Use at most 200", not refused (400)
    assertContains(response, "Use at most 200 variables.")


# --- 7 and 9. template ref, version and clone identifier -------------------------------------

DOT_VALUES = [".", "..", "...", "./x", "x/..", "%2e%2e", "<zqx>", "a b", "a/b", "\x00", "é"]
# Version labels as Harness makes them (a letter or digit, then no spaces: harness-core
# NGRegexValidatorConstants.VERSION_LABEL_PATTERN): read, as one percent-encoded path segment.
LABELS_OF_HARNESS_SHAPE = {"x/..", "a/b"}


@pytest.mark.parametrize("value", DOT_VALUES)
@pytest.mark.parametrize(
    ("field", "posted", "routes"),
    [
        ("template_ref", CHOSEN_TEMPLATE, TEMPLATE_ROUTES),
        ("template_version", CHOSEN_TEMPLATE, ("v1.templates.version",)),
        ("clone_identifier", {"source": "clone", "action": "next"}, ("iacm.workspaces.get",)),
    ],
)
def test_a_bad_template_or_clone_value_is_a_field_error_never_sent(
    signed_in_with_key, draft, fake, field, posted, routes, value
):
    response = signed_in_with_key.post(step_url(draft, "template"), posted | {field: value})
    page = signed_in_with_key.get(step_url(draft, "template"))
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    draft.refresh_from_db()
    if field == "template_version" and value == "\x00":  # stored without NUL: no version given,
        assert draft.data["template"]["template_version"] == "v1"  # so the stable one is chosen
    elif field == "template_version" and value in LABELS_OF_HARNESS_SHAPE:
        (read,) = fake.log(route="v1.templates.version")  # no such version: not found
        assert read["path"].endswith("/k8s_namespace/versions/" + value.replace("/", "%2F"))
        assert page.context["form"].errors["template_ref"]  # "could not be read from Harness"
    else:
        assert response.status_code == 200
        assert response.context["form"].errors[field]
        assert page.context["form"].errors[field]
    assert page.status_code == 200
    assert review.status_code == 200
    if not (field == "template_version" and value in LABELS_OF_HARNESS_SHAPE):
        for route in routes:  # the calls that would carry the value in their path
            assert not fake.log(route=route), route


@pytest.mark.parametrize("value", [".", ".."])
def test_a_draft_already_holding_a_dot_value_renders_its_step(
    signed_in_with_key, draft, fake, value
):
    draft.data = {
        "template": {
            "source": "template",
            "template_ref": value,
            "template_version": value,
            "template_mode": "linked",
        }
    }
    draft.step_status = {"template": "valid"}
    draft.save()

    page = signed_in_with_key.get(step_url(draft, "template"))
    versions = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, "template", "template-version"]),
        {"template_ref": value},
        headers=HTMX,
    )

    assertContains(page, "Choose a template from the list.")
    assertContains(page, "Choose a version of the template from the list.")
    assert versions.status_code == 200
    assert not fake.log(route="v1.templates.versions")


def test_the_template_form_uses_the_clients_segment_rule_and_more():
    # Everything the client's `segment` refuses, the form refuses first.
    for value in (".", ".."):
        form = forms.TemplateForm(
            data={
                "source": "template",
                "template_ref": value,
                "template_version": value,
                "template_mode": "linked",
            }
        )
        assert not form.is_valid()
        assert set(form.errors) == {"template_ref", "template_version"}


# --- 8. unknown row actions ------------------------------------------------------------------


ROW_ACTIONS = ["add-tag", "remove-tag:0", "add-var:terraform", "remove-var:x:0", "nonsense"]
KNOWN_ACTIONS = {"basics": {"add-tag", "remove-tag:0"}, "variables": {"add-var:terraform"}}


@pytest.mark.parametrize(
    ("step", "action"),
    [
        (step, action)
        for step in steps.EDITABLE_STEPS
        for action in ROW_ACTIONS
        if action not in KNOWN_ACTIONS.get(step, set())
    ],
)
def test_an_action_a_step_does_not_know_is_a_400(signed_in_with_key, draft, fake, step, action):
    response = signed_in_with_key.post(step_url(draft, step), {"action": action})

    assert response.status_code == 400


# --- 9. picker searches ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["a\x00b", "\x00"])
def test_a_wizard_picker_search_follows_the_list_search_rule(
    signed_in_with_key, draft, fake, query
):
    pickers = {"template": "template", "repository": "git-connector", "variables": "secret"}
    for step, name in pickers.items():
        response = signed_in_with_key.get(
            reverse("draft_picker", args=[draft.pk, step, name]), {f"{name}-q": query}, headers=HTMX
        )
        assert response.status_code == 200

    seen = json.dumps(fake.log())
    assert "\\u0000" not in seen
    for route in ("ng.connectors.list", "ng.secrets.list", "v1.templates.list"):
        assert fake.log(route=route), route  # each picker still listed, without the search


WIZARD_PICKERS = {"template": "template", "repository": "git-connector", "variables": "secret"}
PICKER_ROUTES = {
    "template": "v1.templates.list",
    "git-connector": "ng.connectors.list",
    "secret": "ng.secrets.list",
}


@pytest.mark.parametrize(("step", "name"), WIZARD_PICKERS.items())
def test_a_wizard_picker_search_over_128_characters_is_refused_in_place_of_its_options(
    signed_in_with_key, draft, fake, step, name
):
    """A search over 128 characters (a crafted address) listed everything, as if nothing had
    been typed; the org and project pickers say it is too long. The wizard's pickers do too, on
    their own request and on the step's page, and list nothing from Harness."""
    typed = "no-such-thing-" * 10

    options = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, step, name]), {f"{name}-q": typed}, headers=HTMX
    )
    page = signed_in_with_key.get(step_url(draft, step), {f"{name}-q": typed})

    for response in (options, page):
        assertContains(response, forms_module.SEARCH_TOO_LONG)
        assert typed not in response.content.decode()
        # Nothing listed is not the whole list: no reference is flagged as missing from it.
        assert 'data-complete="true"' not in response.content.decode()
    assert fake.log(route=PICKER_ROUTES[name]) == []
    assertContains(page, f'id="{name}-q" name="{name}-q" value="" maxlength="128"')


def test_a_wizard_picker_search_over_128_characters_posted_without_javascript_is_refused(
    signed_in_with_key, draft, fake
):
    """Without JavaScript the Search button posts the step; a longer search (the box takes
    128) was dropped and the step shown listing everything."""
    posted = {"git-connector-q": "x" * 5000, "action": "search:git-connector"}

    searched = signed_in_with_key.post(step_url(draft, "repository"), posted)
    page = signed_in_with_key.get(searched["Location"])

    assert searched.status_code == 302 and len(searched["Location"]) < 300
    assertContains(page, forms_module.SEARCH_TOO_LONG)
    assert fake.log(route="ng.connectors.list") == []
    assert "account.github_acme" not in page.content.decode()


# --- drafts per user and expiry --------------------------------------------------------------


def test_starting_one_draft_too_many_says_why(signed_in_with_key, user_with_key, fake, settings):
    settings.WIZARD_MAX_OPEN_DRAFTS = 2
    start = reverse("draft_start", args=["default", "infra"])
    # Two drafts with something typed (an untouched empty one would be reused, not added).
    make_draft(user_with_key)
    make_draft(user_with_key)

    refused = signed_in_with_key.post(start, follow=True)

    assert WorkspaceDraft.objects.filter(owner=user_with_key).count() == 2
    assertContains(refused, "You already have 2 open requests")


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
def test_starts_at_the_same_moment_make_no_more_drafts_than_the_limit(user_with_key, settings):
    settings.WIZARD_MAX_OPEN_DRAFTS = 4
    make_draft(user_with_key)  # room for three more

    def start() -> str:
        return str(drafts.draft_create(owner=user_with_key, org="default", project="infra").pk)

    created, refused = run_together(10, start)

    assert len(created) == 3
    assert len(refused) == 7
    assert all(isinstance(err, drafts.TooManyDrafts) for err in refused), refused
    assert {err.message for err in refused} == {
        "You already have 4 open requests, the most one person can keep. Finish or delete some "
        "in My requests before starting another."
    }
    assert WorkspaceDraft.objects.filter(owner=user_with_key).count() == 4


def test_expire_drafts_deletes_only_old_open_drafts(user_with_key, settings, capsys):
    settings.WIZARD_DRAFT_MAX_AGE_DAYS = 90
    old = timezone.now() - timedelta(days=91)
    kept = {}
    for status in ("draft", "failed", "submitting", "created"):
        for age in ("old", "recent"):
            made = WorkspaceDraft.objects.create(
                owner=user_with_key, org="default", project="infra", status=status
            )
            if age == "old":
                WorkspaceDraft.objects.filter(pk=made.pk).update(updated_at=old)
            kept[(status, age)] = made.pk

    call_command("expire_drafts")

    left = set(WorkspaceDraft.objects.values_list("pk", flat=True))
    assert kept[("draft", "old")] not in left
    assert kept[("failed", "old")] not in left
    assert {kept[key] for key in kept if key[0] in {"submitting", "created"}} <= left
    assert {kept[("draft", "recent")], kept[("failed", "recent")]} <= left
    assert "Deleted 2 draft(s)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
def test_expiry_never_deletes_an_old_draft_its_author_submits_at_that_moment(
    user_with_key, monkeypatch
):
    from django.db.models.deletion import Collector

    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - timedelta(days=91)
    )

    def author_submits():  # `submit.draft_submit`'s claim, made after expiry read the row
        return WorkspaceDraft.objects.filter(pk=draft.pk, status__in=["draft", "failed"]).update(
            status="submitting", updated_at=timezone.now()
        )

    claim = meanwhile(monkeypatch, Collector, "delete", author_submits)

    expired = drafts.drafts_expire(max_age_days=90)
    claim["thread"].join(timeout=30)

    # Expiry holds the row: the submit's claim waits, then finds no draft to send.
    assert expired == 1
    assert claim == {"thread": claim["thread"], "result": 0}
    assert not WorkspaceDraft.objects.exists()


def test_expire_drafts_counts_drafts_not_the_rows_deleted_with_them(user_with_key, capsys):
    from workspaces.approvals.models import Approval
    from workspaces.models import ApprovalRule

    rule = ApprovalRule.objects.create(name="Every create", for_create=True)
    draft = make_draft(user_with_key)
    Approval.objects.create(draft=draft, kind="create", decision="withdrawn").rules.add(rule)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - timedelta(days=91)
    )

    call_command("expire_drafts")

    assert not WorkspaceDraft.objects.exists()
    assert not Approval.objects.exists()
    assert "Deleted 1 draft(s)" in capsys.readouterr().out
