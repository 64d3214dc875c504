"""A hostile-input corpus against every form and query parameter.

Expected everywhere: a field error or safe escaping, never a 500, never an invalid request sent to
Harness (the fake's log is checked against Harness's own rules), nothing stored half-written.

The wizard's steps take the whole corpus through their forms (`test_hostile_wizard_forms.py`);
here a sample of each class of value goes through their pages, over HTTP to the fake.
"""

import json
import re
from collections import Counter
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from tests.hostile_values import CORPUS, SAMPLE_VALUES, STEP_FIELDS
from tests.samples import formset_rows, template_answer, yaml_alias_bomb
from tests.workspaces.test_drafts import make_draft
from workspaces.models import HarnessCredential, WorkspaceDraft
from workspaces.wizard import steps, validation
from workspaces.wizard.forms import STEP_FORMS

pytestmark = pytest.mark.django_db
# Every answer the portal gave in this module, by status (printed and checked at the end).
STATUSES: Counter[int] = Counter()


@pytest.fixture(autouse=True)
def _count_statuses(monkeypatch):
    request = Client.request

    def counted(self, **kwargs):
        response = request(self, **kwargs)
        STATUSES[response.status_code] += 1
        return response

    monkeypatch.setattr(Client, "request", counted)


IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
MARKUP = (b"<script>alert(1)", b"<img src=x")
LIST = reverse("workspace_list", args=["default", "infra"])


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 200
    assert set(SAMPLE_VALUES) <= set(CORPUS)  # the samples sent through the pages are its own


def _assert_harness_saw_only_valid_requests(fake) -> None:
    for entry in fake.log():
        query = entry["query"]
        if entry["route"] == "iacm.workspaces.list":
            assert 1 <= int(query["page"][0]) <= 1_000_000
            assert query["limit"][0] in {"10", "30", "100"}
            assert query["sort"][0] in {"name,ASC", "name,DESC", "updated,ASC", "updated,DESC"}
            assert len(query.get("searchTerm", [""])[0]) <= 128
            for status in query.get("status", []):
                assert re.fullmatch(r"[a-z_]+", status)
            for tag in query.get("tags", []):
                assert "," not in tag and "\x00" not in tag
        if entry["route"] == "iacm.workspaces.get":
            assert IDENT.match(entry["path"].rsplit("/", 1)[-1]), entry["path"]
        assert entry["status"] != 500


def _assert_wizard_reads_were_well_formed(fake) -> int:
    """The wizard's reads in the fake's log: searches Harness accepts, and template refs, version
    labels and workspace identifiers as single path segments (a version label may hold any
    character but a space, percent-encoded). How many templates or workspaces were read by
    identifier (a choice that passed the rules)."""
    reads = 0
    for entry in fake.log():
        assert entry["status"] != 500
        assert len(entry["query"].get("searchTerm", [""])[0]) <= 128
        if entry["route"] and entry["route"].startswith(("v1.templates.", "iacm.workspaces.get")):
            segments = entry["path"].split("/")[1:]
            assert not {".", "..", ""} & set(segments), entry["path"]
            assert all(
                re.fullmatch(r"([A-Za-z0-9_.$-]|%[0-9A-F]{2})+", part) for part in segments
            ), entry["path"]
            assert not {".", ".."} & {unquote(part) for part in segments}, entry["path"]
            reads += entry["route"] in {"v1.templates.version", "iacm.workspaces.get"}
    return reads


@pytest.mark.parametrize("param", ["q", "sort", "status", "tags", "page", "limit", "window"])
def test_list_query_parameters(signed_in_with_key, fake, param):
    """Samples of each class through the page and both partials; every value of the corpus
    through the list's form in `test_hostile_wizard_forms.py`."""
    targets = ("workspace-table", "status-overview", None)
    for i, value in enumerate(SAMPLE_VALUES):
        target = targets[i % 3]  # every value once, spread over the page and both partials
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        response = signed_in_with_key.get(LIST, {param: value}, headers=headers)

        assert response.status_code == 200, (param, value, target)
        assert b"<script>alert(1)" not in response.content

    _assert_harness_saw_only_valid_requests(fake)


@pytest.mark.parametrize("url_name", ["org_list", "project_list"])
def test_picker_searches(signed_in_with_key, fake, url_name):
    """Samples through the pages; every value of the corpus through their `PickerSearchForm` in
    `test_hostile_wizard_forms.py`."""
    url = reverse(url_name, args=["default"] if url_name == "project_list" else [])
    for value in SAMPLE_VALUES:
        for params in ({"q": value}, {"page": value}):
            response = signed_in_with_key.get(url, params, headers={"HX-Request": "true"})

            assert response.status_code == 200, (params,)
            assert not any(markup in response.content for markup in MARKUP)
    _assert_harness_saw_only_valid_requests(fake)


def test_identifiers_in_paths(signed_in_with_key, fake):
    for value in CORPUS:
        path = f"/orgs/default/projects/infra/workspaces/{value}/"
        response = signed_in_with_key.get(path)

        assert response.status_code in {200, 404}, value
    _assert_harness_saw_only_valid_requests(fake)


def test_sign_in_form(client, user, fake):
    """Samples through the page; every value of the corpus through its form in
    `tests/portal/test_sign_in.py`."""
    for value in SAMPLE_VALUES:
        for data in (
            {"username": value, "password": "x"},
            {"username": "alice", "password": value},
        ):
            response = client.post(reverse("login"), data)

            assert response.status_code == 200, data
            assert b"<script>alert(1)" not in response.content
    assert "_auth_user_id" not in client.session


def test_wizard_picker_searches_and_identifier_check(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    pickers = {"template": "template", "repository": "git-connector", "variables": "secret"}
    for value in SAMPLE_VALUES:
        for step, picker in pickers.items():
            response = signed_in_with_key.get(
                reverse("draft_picker", args=[draft.pk, step, picker]),
                {f"{picker}-q": value},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200, (picker, value)
            assert not any(markup in response.content for markup in MARKUP)
        check = signed_in_with_key.get(
            reverse("draft_identifier_check", args=[draft.pk]),
            {"identifier": value},
            headers={"HX-Request": "true"},
        )
        assert check.status_code == 200, value
        assert not any(markup in check.content for markup in MARKUP)
    _assert_harness_saw_only_valid_requests(fake)


def test_harness_key_form(signed_in, user, fake):
    """Samples of each class through the page (Harness asked only about well-formed accounts);
    every value of the corpus through the form in `test_hostile_wizard_forms.py`."""
    for value in SAMPLE_VALUES:
        for data in ({"api_key": value}, {"api_key": "pat.a.b.c", "account_id": value}):
            response = signed_in.post(reverse("harness_key"), data)

            assert response.status_code == 200, data
            assert b"<script>alert(1)" not in response.content
    assert not HarnessCredential.objects.filter(user=user).exists()
    for entry in fake.log(route="ng.accounts.get"):
        assert IDENT.match(entry["path"].rsplit("/", 1)[-1].replace(".", "_"))


def test_ten_megabyte_body_is_refused_cleanly(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    before = WorkspaceDraft.objects.get(pk=draft.pk).data

    response = signed_in_with_key.post(
        reverse("draft_step", args=[draft.pk, "basics"]),
        {"name": "x" * (10 * 1024 * 1024), "identifier": "big"},
    )

    assert response.status_code in {200, 400, 413}
    assert WorkspaceDraft.objects.get(pk=draft.pk).data["basics"]["identifier"] in {
        before["basics"]["identifier"],
        "big",
    }
    assert not fake.log(route="iacm.workspaces.create")


def _sample_posts(step: str, valid: dict) -> list[dict[str, str]]:
    """One POST per sample over the step's valid data, every field of the step hostile: field j
    of POST k holds sample k + j, so each POST mixes classes and each field gets every sample."""
    count = len(SAMPLE_VALUES)
    return [
        valid | {field: SAMPLE_VALUES[(k + j) % count] for j, field in enumerate(STEP_FIELDS[step])}
        for k in range(count)
    ]


@pytest.mark.parametrize("step", list(STEP_FIELDS))
def test_wizard_steps_take_samples_of_each_class(signed_in_with_key, user_with_key, fake, step):
    draft = make_draft(user_with_key)
    url = reverse("draft_step", args=[draft.pk, step])
    valid = validation.step_data(step, steps.step_values(draft.data, step))
    for k, posted in enumerate(_sample_posts(step, valid)):
        before = WorkspaceDraft.objects.get(pk=draft.pk).data
        read = STEP_FORMS[step](data=posted, draft_data=before).values()
        autosave = "?autosave=1" if k % 2 else ""  # half as autosaves, half as "next"
        response = signed_in_with_key.post(url + autosave, posted)
        shown = response if response.status_code == 200 else signed_in_with_key.get(url)
        stored = WorkspaceDraft.objects.get(pk=draft.pk).data[step]

        assert response.status_code in {200, 302}, (step, posted)
        assert shown.status_code == 200, (step, posted)
        assert not any(markup in shown.content for markup in MARKUP), (step, posted)
        if step == "basics":  # the identifier follows the name until edited, when saved
            read = steps.identifier_follows_name(before["basics"], read)
        for name in ("version", "terragrunt_version") if step == "provisioner" else ():
            if stored[name] != read[name]:  # none (or another tool's): the latest Harness lists
                assert re.fullmatch(steps.VERSION_PATTERN, stored[name]), (step, posted)
                read[name] = stored[name]
        # The step is stored whole, as its form read the POST: never half-written.
        assert {name: stored[name] for name in read} == read, (step, posted)
    json.dumps(WorkspaceDraft.objects.get(pk=draft.pk).data)  # what is stored is valid JSON
    assert not fake.log(route="iacm.workspaces.create")
    _assert_wizard_reads_were_well_formed(fake)


def test_many_variables_and_tags(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    for count in (300, 2000):  # within Django's field limit, then far over it
        rows = [{"key": f"k{i}", "value": f"k{i}", "value_type": "string"} for i in range(count)]
        variables = signed_in_with_key.post(
            reverse("draft_step", args=[draft.pk, "variables"]),
            formset_rows("terraform", *rows),
        )
        tags = signed_in_with_key.post(
            reverse("draft_step", args=[draft.pk, "basics"]),
            {"name": "n", "identifier": "n"} | formset_rows("tag", *rows),
        )

        if count == 300:  # re-rendered with the limit; at most the limit + 10 rows are kept
            assert b"Use at most 200 variables." in variables.content
            assert b"Use at most 50 tags." in tags.content
            stored = WorkspaceDraft.objects.get(pk=draft.pk).data
            assert len(stored["variables"]["terraform"]) == 210
            assert len(stored["basics"]["tags"]) == 60
        for response in (variables, tags):
            assert response.status_code == (200 if count == 300 else 400)
            if response.status_code == 400:
                assert b"too large or malformed" in response.content
    assert not fake.log(route="iacm.workspaces.create")


def test_invalid_pasted_blocks(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    blocks = [
        '{"not": "tfvars"',
        "=novalue\n==\n",
        'a = "unterminated\nb = [1, 2\n',
        "1abc = 2\nbad key = 3\nok = 4\nok = 5",
        "\x00\x01\x02",
        "export A=1\nexport B\n",
        "x" * 100_000,
        "\n".join(f"v{i} = {i}" for i in range(5000)),
    ]
    for index, block in enumerate(blocks):
        action = ("paste-preview", "paste-add")[index % 2]
        response = signed_in_with_key.post(
            reverse("draft_step", args=[draft.pk, "variables"]),
            {"action": action, "paste_text": block, "paste_group": "terraform"},
        )

        assert response.status_code == (200 if action == "paste-preview" else 302), block[:40]
    assert not fake.log(route="iacm.workspaces.create")


def test_garbage_submit_sends_nothing_invalid(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    draft.data["basics"]["identifier"] = "../../etc/passwd"
    draft.data["variables"] = {"terraform": [{"key": "1bad", "value": "x", "type": "string"}]}
    draft.save()

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert response.status_code == 302
    assert not fake.log(route="iacm.workspaces.create")
    assert WorkspaceDraft.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize("field", ["template_ref", "template_version", "clone_identifier"])
def test_template_choices_take_samples_of_each_class(
    signed_in_with_key, user_with_key, fake, field
):
    draft = make_draft(user_with_key)
    url = reverse("draft_step", args=[draft.pk, "template"])
    chosen = dict(template_ref="account.aws_service", template_version="v1", template_mode="copied")
    source = "clone" if field == "clone_identifier" else "template"
    # A few samples pass the rules (`NaN` is a well-formed ref): they are read from Harness.
    for value in SAMPLE_VALUES + ["ok_" + value for value in SAMPLE_VALUES[:8]]:
        posted = {"source": source, **chosen, field: value, "action": "next"}
        saved = signed_in_with_key.post(url, posted)
        # A draft holding the value renders its step ("next" with an error re-renders it).
        shown = saved if saved.status_code == 200 else signed_in_with_key.get(url)

        assert saved.status_code in {200, 302}, value
        assert shown.status_code == 200, value
        assert not any(markup in shown.content for markup in MARKUP), value
    # Some samples pass the rules (`NaN`, `ok_`, `ok_a\x00b` once its NUL is dropped): read.
    assert _assert_wizard_reads_were_well_formed(fake) > 0


OVERSIZED_PASTES = {
    "many short lines": "\n".join(f"v{i} = {i}" for i in range(50_000)),
    "one huge line": "big = " + "x" * 100_000,
    "huge line after good ones": "a = 1\nb = 2\n" + "c = " + "y" * 30_000 + "\nd = 4",
    "many keys past the row limit": "\n".join(f"key_{i} = {i}" for i in range(1500)),
    "long keys": "\n".join("k" * 200 + f"{i} = 1" for i in range(500)),
    "CRLF and NUL": "\r\n".join(f"v{i} = \x00{i}" for i in range(4000)),
    "just over the limit": "a = " + "z" * 19_995 + "\nb = 2",
}


@pytest.mark.parametrize("kind", list(OVERSIZED_PASTES))
def test_oversized_pastes(signed_in_with_key, user_with_key, fake, kind):
    draft = make_draft(user_with_key)
    url = reverse("draft_step", args=[draft.pk, "variables"])
    text = OVERSIZED_PASTES[kind]

    preview = signed_in_with_key.post(
        url, {"action": "paste-preview", "paste_text": text, "paste_group": "terraform"}
    )
    added = signed_in_with_key.post(
        url, {"action": "paste-add", "paste_text": text, "paste_group": "environment"}
    )
    stored = WorkspaceDraft.objects.get(pk=draft.pk).data["variables"]
    saved_again = signed_in_with_key.post(
        url,
        {"action": "next"}
        | formset_rows("terraform", *stored["terraform"])
        | formset_rows("environment", *stored["environment"]),
    )

    assert preview.status_code == 200
    if len(text) > 20_000:
        assert b"Only the first 20,000 characters of a paste are read" in preview.content
    assert added.status_code == 302
    assert len(stored["environment"]) <= steps.MAX_VARIABLES
    assert saved_again.status_code in {200, 302}  # never 400: the draft stays saveable
    assert not fake.log(route="iacm.workspaces.create")


YAML_BOMBS = {
    "billion laughs, 9 x 7": yaml_alias_bomb(9, 7),
    "billion laughs, 2 x 40": yaml_alias_bomb(2, 40),
    "merge keys": "template:\n  spec:\n    a: &a {x: 1}\n    b: {<<: *a}\n",
    "deep nesting": "template: {spec: " + "[" * 20_000 + "]" * 20_000 + "}",
    "deep maps": "template: " + "{a: " * 3000 + "1" + "}" * 3000,
    "too many values": "template:\n  spec:\n    tags:\n" + "      - 1\n" * 30_000,
    "too long": "template: {spec: {description: '" + "x" * 400_000 + "'}}",
    "many variables": "template:\n  spec:\n    terraform_variables:\n"
    + "".join(f"      - {{key: k{i}, value: v}}\n" for i in range(5000)),
    "long value": "template: {spec: {description: '" + "x" * 100_000 + "'}}",
    "huge integer": "template: {spec: {cost_estimation: {enabled: true, budget: "
    + "9" * 5000
    + "}}}",
    "infinite budget": "template: {spec: {cost_estimation: {enabled: true, budget: .inf}}}",
    "python tag": "template: !!python/object/apply:os.system ['true']",
    "not a map": "- 1\n- 2\n",
    "unreadable": "template: {spec: [unclosed",
}


@pytest.mark.parametrize("kind", list(YAML_BOMBS))
def test_yaml_bomb_templates(signed_in_with_key, user_with_key, fake, kind):
    draft = make_draft(user_with_key)
    url = reverse("draft_step", args=[draft.pk, "template"])
    fake.inject("v1.templates.version", body=template_answer(YAML_BOMBS[kind]))
    chosen = {
        "source": "template",
        "template_ref": "k8s_namespace",
        "template_version": "v1",
        "template_mode": "linked",
        "action": "next",
    }

    saved = signed_in_with_key.post(url, chosen)
    pages = [
        signed_in_with_key.get(reverse("draft_step", args=[draft.pk, step]))
        for step in steps.EDITABLE_STEPS
    ] + [signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))]

    assert saved.status_code == 302
    assert all(page.status_code in {200, 302} for page in pages)
    assert max(len(page.content) for page in pages) < 500_000
    assert len(json.dumps(WorkspaceDraft.objects.get(pk=draft.pk).data)) < 50_000


def test_no_500_over_the_corpus():
    """Runs last: every answer of this module by status (`-s` shows them)."""
    print("hostile-input answers by status:", dict(sorted(STATUSES.items())))

    assert 500 not in STATUSES
    assert sum(STATUSES.values()) > 0
