"""The wizard with the keyboard only, axe-core (WCAG 2.1 A/AA) on every step and after swaps,
and focus on the first error after a failed step."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RECORD, settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_wizard import row_checked, wizard_user  # noqa: F401  (fixture)

TAB_LIMIT = 120


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator) -> None:
    """Press Tab until `locator` has focus, as a keyboard user would."""
    for _ in range(TAB_LIMIT):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def continue_to(page, heading: str) -> None:
    """Save and continue from the keyboard; `heading` is the step the page comes back on (the
    same step when it failed: the navigation, not the heading, says the page is the new one)."""
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    with page.expect_navigation():  # to the new page, loaded
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settled(page)


def test_keyboard_only_wizard_with_axe_on_every_step(page, live_server, fake, wizard_user):  # noqa: F811
    sign_in(page, live_server)
    page.goto(live_server.url + "/orgs/default/projects/infra/new-workspace/")
    assert_accessible(page, "wizard start")
    tab_to(page, page.get_by_role("button", name="Start a new request"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Start from", exact=True)).to_be_visible()
    settled(page)
    assert_accessible(page, "start from")
    continue_to(page, "Basics")
    assert_accessible(page, "basics")

    # A failed step puts the focus on the first field in error.
    continue_to(page, "Basics")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    assert_accessible(page, "basics with errors")

    type_into(page, page.get_by_label("Name", exact=True), "kbd-only-ws")
    expect(page.get_by_label("Identifier")).to_have_value("kbd_only_ws")
    expect(page.locator("#identifier-status")).to_contain_text("is free")
    assert_accessible(page, "basics after the identifier check")
    continue_to(page, "Repository")
    assert_accessible(page, "repository")

    # Saved without a git connector: the focus goes to the picker's search box, which says why.
    continue_to(page, "Repository")
    search = page.get_by_label("Search git connectors")
    expect(search).to_be_focused()
    expect(search).to_have_attribute("aria-invalid", "true")
    expect(search).to_have_accessible_description(re.compile("Choose the git connector"))

    # Pickers work with the keyboard: search (the focus stays in the box as the results come,
    # though the picker is in error), then choose with Space.
    type_into(page, search, "gitlab")
    option = page.locator("#git-connector-options input[type=radio]").first
    expect(page.locator("#git-connector-options")).not_to_contain_text("git_infra")  # searched
    expect(page.locator("#git-connector-options")).to_contain_text("gitlab")
    settled(page)
    expect(search).to_be_focused()
    assert_accessible(page, "repository after a picker search")
    tab_to(page, option)
    page.keyboard.press("Space")
    expect(option).to_be_checked()
    type_into(page, page.get_by_label("Repository name"), "infra-live")
    type_into(page, page.locator("#id_branch"), "main")
    continue_to(page, "Provisioner and connectors")
    assert_accessible(page, "provisioner")
    continue_to(page, "Variables")
    assert_accessible(page, "variables")

    tab_to(page, page.get_by_role("button", name="Add a Terraform variable"))
    page.keyboard.press("Enter")
    expect(page.locator("#terraform-0-key")).to_be_focused()
    with row_checked(page, "terraform-0-key"):  # 400 ms after the last key: settled() won't wait
        page.keyboard.type("region")
    settled(page)
    with row_checked(page, "terraform-0-value"):
        type_into(page, page.locator("#terraform-0-value"), "eu-west-1")
    assert_accessible(page, "variables after adding a row")
    continue_to(page, "Review and submit")
    assert_accessible(page, "review")

    tab_to(page, page.get_by_role("button", name="Create workspace"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Created.")).to_be_visible()
    assert_accessible(page, "result")
    assert len(fake.log(route="iacm.workspaces.create")) == 1

    page.goto(live_server.url + "/drafts/")
    expect(page).to_have_url(re.compile("/drafts/$"))
    assert_accessible(page, "my requests")


@pytest.fixture
def signed_in_draft(page, live_server, fake, wizard_user):  # noqa: F811
    """A draft of the wizard user, signed in in `page`, to open at any step."""
    from tests.workspaces.test_drafts import make_draft

    draft = make_draft(wizard_user)
    sign_in(page, live_server)
    return draft


def test_a_pickers_try_again_by_keyboard_leaves_the_focus_on_its_search_box(
    page, live_server, fake, signed_in_draft
):
    draft = signed_in_draft
    fake.inject("ng.connectors.list", status=503, times=20)
    page.goto(f"{live_server.url}/drafts/{draft.pk}/repository/")
    fake.clear_faults()  # Harness is back
    tab_to(page, page.locator("#git-connector-options").get_by_role("button", name="Try again"))
    page.keyboard.press("Enter")

    # The button pressed is gone with the error: the focus is on the picker, not back at the top.
    expect(page.locator("#git-connector-options .picker__error")).to_have_count(0)
    expect(page.get_by_label("Search git connectors")).to_be_focused()


def test_provider_pickers_are_not_nested_scroll_boxes_at_two_widths(
    page, live_server, signed_in_draft
):
    draft = signed_in_draft
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/drafts/{draft.pk}/provisioner/")
        lists = page.locator(".picker--compact .picker__list")
        expect(lists.first).to_be_visible()

        for index in range(lists.count()):
            assert lists.nth(index).evaluate("e => e.scrollHeight <= e.clientHeight + 1")
        assert_accessible(page, f"provisioner step at {width} px")


def test_the_main_cloud_connector_is_chosen_with_the_keyboard(page, live_server, signed_in_draft):
    draft = signed_in_draft
    draft.data["provisioner"]["gcp"] = "account.gcp_main"  # beside the AWS one
    draft.save()
    page.goto(f"{live_server.url}/drafts/{draft.pk}/provisioner/")
    group = page.get_by_role("group", name="Main cloud connector")
    first = group.get_by_role("radio", name="The first one chosen (AWS, then GCP, then Azure)")

    tab_to(page, first)
    expect(first).to_be_checked()
    page.keyboard.press("ArrowRight")  # AWS
    page.keyboard.press("ArrowRight")  # GCP
    expect(group.get_by_role("radio", name="GCP", exact=True)).to_be_checked()
    assert_accessible(page, "provisioner step with the main connector chosen")
    continue_to(page, "Variables")
    page.goto(f"{live_server.url}/drafts/{draft.pk}/review/")

    row = page.locator("dt", has_text="Main cloud connector").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(row).to_have_text("account.gcp_main")
    expect(page.locator("#request-body-json")).to_contain_text(
        '"provider_connector": "account.gcp_main"'
    )


@pytest.mark.parametrize(
    ("step", "heading", "row_field"),
    [("variables", "Variables", "#terraform-1-key"), ("basics", "Basics", "#tag-2-key")],
)
def test_a_step_refused_for_a_row_puts_the_focus_on_that_row(
    page, live_server, fake, signed_in_draft, step, heading, row_field
):
    draft = signed_in_draft
    draft.data["variables"]["terraform"].append(
        {"key": "region", "value": "x", "value_type": "string"}  # a duplicate key
    )
    draft.data["basics"]["tags"].append({"key": "", "value": "orphan"})  # a value without a key
    draft.save()
    page.goto(f"{live_server.url}/drafts/{draft.pk}/{step}/")
    settled(page)

    continue_to(page, heading)  # refused: the same step comes back

    expect(page.locator(row_field)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(row_field)).to_be_focused()


@pytest.mark.parametrize(
    ("tags", "variables", "lands_on"),
    [
        # Harness policy denial: back on the review with its alert.
        ([{"key": "env", "value": "prod"}], None, "Review and submit"),
        # Harness refuses a secret reference: back on Variables, the row marked.
        (
            None,
            [{"key": "TF_TOKEN", "value": "account.no_such_secret", "value_type": "secret"}],
            "Variables",
        ),
    ],
)
def test_a_submit_harness_refuses_puts_the_focus_on_what_it_said(
    page, live_server, fake, signed_in_draft, tags, variables, lands_on
):
    draft = signed_in_draft
    if tags:
        draft.data["basics"]["tags"] = tags
    if variables:
        draft.data["variables"]["environment"] = variables
    draft.save()
    page.goto(f"{live_server.url}/drafts/{draft.pk}/review/")
    settled(page)
    tab_to(page, page.get_by_role("button", name="Create workspace"))
    with page.expect_navigation(url=re.compile(r"/drafts/")):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=lands_on, exact=True)).to_be_visible()
    page.wait_for_load_state()
    settled(page)
    expect(page.locator("#harness-outcome")).to_be_visible()

    # The alert was in the page as it loaded (not announced reliably): the focus must take the
    # keyboard / screen-reader user to it, or to the field it marks.
    assert page.evaluate(
        """() => { const a = document.activeElement;
                   return !!(a.closest('#harness-outcome')
                             || a.getAttribute('aria-invalid') === 'true'); }"""
    ), f"focus is on {page.evaluate('document.activeElement.outerHTML.slice(0, 80)')}"


def test_choosing_a_template_by_keyboard_leaves_the_focus_on_the_template(
    page, live_server, fake, signed_in_draft
):
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/template/")
    settled(page)
    tab_to(page, page.locator("input[name=source]:checked"))
    with page.expect_response(lambda r: "autosave=1" in r.url):
        page.keyboard.press("ArrowDown")  # From a workspace template
    settled(page)
    expect(page.get_by_label("From a workspace template")).to_be_checked()
    first = page.locator("#template-options input[name=template_ref]").first
    tab_to(page, first)

    with page.expect_response(lambda r: "template-version" in r.url):
        page.keyboard.press("Space")
    settled(page)

    expect(first).to_be_checked()
    expect(first).to_be_focused()  # not moved to the version select


def test_a_wizard_picker_search_is_announced_from_a_live_region_that_stays(
    page, live_server, fake, signed_in_draft
):
    """As the organisation picker does ([data-live-for], test_accessibility.py): the wizard's
    pickers say they are loading, then what the search found, from a region that stays."""
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/repository/")
    settled(page)
    live = page.locator("[data-live-for=git-connector-options]")
    expect(live).to_have_count(1)
    assert live.evaluate(
        "e => e.getAttribute('role') === 'status' || e.getAttribute('aria-live') === 'polite'"
    )
    region = live.element_handle()

    fake.inject("ng.connectors.list", delay_ms=800, times=1)
    page.get_by_label("Search git connectors").fill("gitlab")
    expect(live).to_have_attribute("aria-busy", "true")  # loading
    # (The draft's connector, github_acme, stays listed as the current choice.)
    expect(page.locator("#git-connector-options")).not_to_contain_text("git_infra")
    expect(live).not_to_have_attribute("aria-busy", "true")
    expect(live).not_to_be_empty()
    page.get_by_label("Search git connectors").fill("zzz")
    expect(live).to_contain_text("Nothing matches")  # the empty result, said

    assert region.evaluate("e => e.isConnected"), "the live region was replaced, not updated"


def test_the_identifier_check_and_save_status_are_announced_from_live_regions_that_stay(
    page, live_server, fake, signed_in_draft
):
    """A live region inserted with its content (swapped outerHTML) is not reliably announced
    (see test_the_result_count_is_announced_from_a_live_region_that_stays)."""
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    settled(page)  # the identifier check sent on load
    check = page.locator("#identifier-status").element_handle()
    saved = page.locator("#save-status").element_handle()

    type_into(page, page.get_by_label("Name", exact=True), "live-regions-ws")
    expect(page.locator("#identifier-status")).to_contain_text("live_regions_ws is free")
    page.keyboard.press("Tab")  # the change autosaves
    expect(page.locator("#save-status")).to_contain_text("Saved")
    settled(page)

    replaced = [
        name
        for name, region in (("#identifier-status", check), ("#save-status", saved))
        if not region.evaluate("e => e.isConnected")
    ]
    assert not replaced, f"replaced, not updated: {replaced}"


def test_a_tag_values_error_is_tied_to_the_value_field(page, live_server, fake, signed_in_draft):
    # A value over Harness's 256 characters, e.g. copied from an existing workspace or code.
    draft = signed_in_draft
    draft.data["basics"]["tags"] = [{"key": "team", "value": "v" * 300}]
    draft.save()
    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    settled(page)

    continue_to(page, "Basics")

    expect(page.locator("#tag-0-error")).to_have_text("Use at most 256 characters.")
    value = page.get_by_label("Tag 1 value")
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_accessible_description("Use at most 256 characters.")


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_focus_ring_contrasts_3_to_1_with_the_wizard_panel(page, live_server, signed_in_draft):
    """WCAG 2.1 SC 1.4.11: a focus indicator is visual information needing 3:1 against what
    is next to it (the ring is offset 2 px, onto the panel's background)."""
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    tab_to(page, page.get_by_role("button", name="Add a tag"))
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    panel = page.locator(".panel.wizard").evaluate("e => getComputedStyle(e).backgroundColor")
    light, dark = sorted((_luminance(ring), _luminance(panel)), reverse=True)
    ratio = (light + 0.05) / (dark + 0.05)
    assert ratio >= 3, f"focus ring {ring} on {panel}: {ratio:.2f}:1"


def test_the_focus_ring_contrasts_3_to_1_with_the_dark_header(page, live_server, signed_in_draft):
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    tab_to(page, page.locator(".site-header").get_by_role("link", name="My requests"))
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    header = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    light, dark = sorted((_luminance(ring), _luminance(header)), reverse=True)
    ratio = (light + 0.05) / (dark + 0.05)
    assert ratio >= 3, f"focus ring {ring} on {header}: {ratio:.2f}:1"


@pytest.mark.console_errors("Response Status Error Code 500 from /drafts/")
def test_a_submit_that_fails_gives_its_button_back_with_the_focus(
    page, live_server, fake, signed_in_draft
):
    draft = signed_in_draft
    page.goto(f"{live_server.url}/drafts/{draft.pk}/review/")
    settled(page)
    page.route(re.compile(r"/submit/$"), lambda route: route.fulfill(status=500, body="Error"))
    button = page.get_by_role("button", name="Create workspace", exact=True)
    tab_to(page, button)

    with page.expect_response(re.compile(r"/submit/$")):
        page.keyboard.press("Enter")  # htmx disables the button while it sends

    # Not left disabled-looking and busy, and the focus not dropped to <body>.
    expect(button).to_be_enabled()
    expect(button).not_to_have_attribute("aria-busy", "true")
    expect(button).to_be_focused()


def test_the_result_page_says_submitting_once_and_then_the_outcome_once(
    page, live_server, fake, signed_in_draft
):
    """Polled each second while submitting: an unchanged outcome is not swapped in again (a
    screen reader would read "Harness is creating…" out each second)."""
    from django.utils import timezone

    from workspaces.models import WorkspaceDraft

    drafts = WorkspaceDraft.objects.filter(pk=signed_in_draft.pk)
    drafts.update(status=WorkspaceDraft.Status.SUBMITTING, submitted_at=timezone.now())
    page.goto(f"{live_server.url}/drafts/{signed_in_draft.pk}/result/")
    page.evaluate(RECORD, "[aria-live=polite]")
    page.wait_for_timeout(2500)  # two polls or more, still submitting
    assert page.evaluate("window.said") == []

    drafts.update(status=WorkspaceDraft.Status.FAILED, harness_response={"message": "No."})

    expect(page.locator("#draft-outcome")).to_contain_text("Not created.")
    page.wait_for_timeout(1500)  # no poll after the outcome
    (said,) = page.evaluate("window.said")
    assert said.startswith("Not created. No.")


def test_an_unchanged_variable_problem_is_not_read_out_at_each_pause(
    page, live_server, fake, signed_in_draft
):
    page.goto(f"{live_server.url}/drafts/{signed_in_draft.pk}/variables/")
    settled(page)
    page.get_by_role("button", name="Add a Terraform variable").click()
    expect(page.locator("#terraform-1-key")).to_be_focused()
    with row_checked(page, "terraform-1-key"):
        page.locator("#terraform-1-key").fill("region")  # row 2 duplicates row 1's key
    settled(page)
    page.evaluate(RECORD, ".variable-checks-status")

    for value in ("eu-west-2", "eu-west-3"):  # typing in row 1, which is fine
        with row_checked(page, "terraform-0-value"):
            page.locator("#terraform-0-value").fill(value)
        settled(page)

    assert page.evaluate("window.said") == []
    expect(page.locator("#variable-checks")).to_contain_text("Duplicate key")
    expect(page.locator("#terraform-1-error")).to_contain_text("Duplicate key")
