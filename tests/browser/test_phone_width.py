"""At phone width (390 px): axe on every wizard step, My requests, the delete confirmations and
the key page, each page no wider than the screen; and two visual fixes of issue 16 point 17 (the
type select shows "Secret reference" whole, a locked card is not stretched), each with its own
test. Drafts are made with the services: the journeys that type them are in test_wizard.py."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_wizard import wizard_user  # noqa: F401  (fixture)
from tests.samples import complete_draft
from tests.workspaces.test_drafts import choose_template, make_draft
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts, steps

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def template_draft(owner, mode: str) -> WorkspaceDraft:
    """A complete draft started from the template account.aws_service (v2, `mode` "linked" or
    "copied"), with a secret environment variable next to the template's variables."""
    draft = choose_template(make_draft(owner), mode).draft
    variables = {
        "terraform": draft.data["variables"]["terraform"],
        "environment": complete_draft(draft.identifier)["variables"]["environment"],
    }
    return drafts.draft_save_step(draft=draft, step="variables", values=variables).draft


def open_page(page, url: str, heading: str | re.Pattern) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settled(page)  # what loads after the page (Basics' identifier check) is measured too


def fits_the_screen(page) -> bool:
    """Nothing is wider than the screen, and no table cell cuts its text (a long name wraps)."""
    return page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth
            && [...document.querySelectorAll("td, .table-wrap")].every(
                box => box.scrollWidth <= box.clientWidth + 1)"""
    )


def test_at_phone_width_every_wizard_step_and_request_page_is_accessible(
    page,
    live_server,
    wizard_user,  # noqa: F811
    artifacts,
):
    draft = template_draft(wizard_user, "copied")  # the template section shown, nothing locked
    refused = make_draft(wizard_user, identifier="billing_prod_eu_west_1_primary")
    message = "Workspaces tagged env=prod must enable cost estimation (policy cost-required)."
    WorkspaceDraft.objects.filter(pk=refused.pk).update(
        status=WorkspaceDraft.Status.FAILED, harness_response={"message": message}
    )
    sign_in(page, live_server)
    page.set_viewport_size(PHONE)
    wizard = {
        f"/drafts/{draft.pk}/{step}/": (title, f"wizard-{step}")
        for step, title in steps.STEP_TITLES.items()
    }
    pages = {
        "/orgs/default/projects/infra/new-workspace/": (
            "New workspace in default / infra",
            "wizard-new",
        ),
        **wizard,
        "/drafts/": ("My requests", "my-requests"),
        f"/drafts/{draft.pk}/delete/": ("Delete the request pay-vpc-dev?", "request-delete"),
        "/settings/harness-key/": ("Your Harness API key", "key"),
        "/settings/harness-key/delete/": (re.compile("^Delete your Harness key"), "key-delete"),
    }

    for path, (heading, name) in pages.items():
        open_page(page, live_server.url + path, heading)
        page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)

        assert fits_the_screen(page), f"{path} is wider than the screen"
        assert_accessible(page, f"{path} at 390 px")


def fits_its_longest_option(select) -> bool:
    """The select is at least as wide as the same select sized to its longest option."""
    return select.evaluate(
        """select => {
            const probe = select.cloneNode(true);
            probe.removeAttribute("id");
            Object.assign(probe.style, {
                width: "auto", minWidth: "0", position: "absolute", visibility: "hidden"
            });
            select.after(probe);
            const needed = probe.getBoundingClientRect().width;
            probe.remove();
            return select.getBoundingClientRect().width >= needed - 0.5;
        }"""
    )


def overlaps(box, other) -> bool:
    return not (
        box["x"] + box["width"] <= other["x"]
        or other["x"] + other["width"] <= box["x"]
        or box["y"] + box["height"] <= other["y"]
        or other["y"] + other["height"] <= box["y"]
    )


def test_the_variable_type_select_shows_secret_reference_whole_at_two_widths(
    page,
    live_server,
    wizard_user,  # noqa: F811
    artifacts,
):
    draft = make_draft(wizard_user)  # its environment variable is a secret reference
    sign_in(page, live_server)

    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        open_page(page, f"{live_server.url}/drafts/{draft.pk}/variables/", "Variables")
        select = page.locator("#environment-0-value_type")
        expect(select.locator("option:checked")).to_have_text("Secret reference")
        page.screenshot(path=artifacts / f"variables-{viewport['width']}.png", full_page=True)

        assert fits_its_longest_option(select), f"the select is cut at {viewport['width']} px"
        value = page.locator("#environment-0-value").bounding_box()
        assert not overlaps(select.bounding_box(), value), f"overlap at {viewport['width']} px"


def test_a_locked_provider_card_is_not_stretched_to_its_neighbours_height(
    page,
    live_server,
    wizard_user,  # noqa: F811
    artifacts,
):
    draft = template_draft(wizard_user, "linked")  # locks the AWS connector, not GCP's
    sign_in(page, live_server)

    open_page(
        page, f"{live_server.url}/drafts/{draft.pk}/provisioner/", "Provisioner and connectors"
    )

    page.locator(".provider-grid").screenshot(path=artifacts / "provider-cards-locked.png")
    cards = page.locator(".provider-grid > fieldset")
    locked, neighbour = cards.nth(0), cards.nth(1)
    expect(locked.locator(".locked")).to_contain_text("account.aws_prod")
    expect(neighbour.get_by_label("Search GCP connectors")).to_be_visible()
    assert locked.bounding_box()["y"] == neighbour.bounding_box()["y"]  # side by side
    empty_below = locked.evaluate(
        """card => {
            const bottoms = [...card.children].map(child => child.getBoundingClientRect().bottom);
            const content = Math.max(...bottoms);
            const style = getComputedStyle(card);
            return card.getBoundingClientRect().bottom - content
                - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth);
        }"""
    )
    # What is left is the locked line's own margin, not the neighbour's list.
    assert empty_below < 20, f"the locked card has {empty_below:.0f} px of empty space"
