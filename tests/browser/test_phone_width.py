"""At phone width (390 px): axe on every wizard step, My requests, the delete confirmations and
the key page, each page no wider than the screen (at 320 px: the browse pages, the workspace lists
with each row's name, status and update on the screen); and two visual fixes of issue 16 point 17
(the type select shows "Secret reference" whole, a locked card is not stretched), each with its
own test. Drafts are made with the services: the journeys that type them are in test_wizard.py."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_wizard import wizard_user  # noqa: F401  (fixture)
from tests.samples import complete_draft
from tests.workspaces.test_browse import create
from tests.workspaces.test_drafts import choose_template, make_draft
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts, steps

PHONE = {"width": 390, "height": 844}
#: WCAG 2.1 SC 1.4.10 (Reflow): no horizontal scrolling at 320 CSS px (a small phone, or
#: 1280 px at 400 % zoom).
SMALL_PHONE = {"width": 320, "height": 700}
LIST = "/orgs/default/projects/infra/workspaces/"
DESKTOP = {"width": 1280, "height": 900}


def template_draft(owner, mode: str) -> WorkspaceDraft:
    """A complete draft started from a template (`mode` "linked": default/infra's k8s_namespace
    v1; "copied": account.aws_service v2), with a secret environment variable next to the
    Terraform variables (a template fills in none)."""
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
    # One card locked next to an open one. A linked template's locked provisioner locks the
    # additional connectors (Vault's, with no value), so the mix wanted here, a locked card
    # holding a connector first in the grid, is set by hand: the layout rule is the cards'.
    draft = template_draft(wizard_user, "linked")
    template = draft.data["template"]
    template["locked"] = {
        path: value
        for path, value in template["locked"].items()
        if path.split(".")[-1] not in ("gcp", "azure", "vault")
    } | {"provisioner.aws": "aws_infra"}
    draft.data["provisioner"]["aws"] = "aws_infra"
    draft.save()
    sign_in(page, live_server)

    open_page(
        page, f"{live_server.url}/drafts/{draft.pk}/provisioner/", "Provisioner and connectors"
    )

    page.locator(".provider-grid").screenshot(path=artifacts / "provider-cards-locked.png")
    cards = page.locator(".provider-grid > fieldset")
    locked, neighbour = cards.nth(0), cards.nth(1)
    expect(locked.locator(".locked")).to_contain_text("aws_infra")
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


def assert_rows_show_name_status_and_update(page, path: str) -> None:
    """Each workspace row shows its name, status and update whole on the screen, not in a part
    of the table one has to scroll sideways to find."""
    settled(page)
    row = page.locator(".table--workspaces tbody tr").first
    expect(row).to_be_visible()
    for what, cell in (
        ("name", row.get_by_role("link").first),
        ("status", row.locator(".badge")),
        ("update", row.locator("td").last),
    ):
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320.5, f"{path}: {what} {box}"
        assert cell.evaluate("cell => cell.scrollWidth <= cell.clientWidth + 1"), f"{path}: {what}"


def test_the_browse_pages_reflow_at_320_css_pixels(
    page,
    live_server,
    wizard_user,  # noqa: F811
    artifacts,
):
    sign_in(page, live_server)
    page.set_viewport_size(SMALL_PHONE)
    pages = {
        "/orgs/": ("Choose an organisation", "orgs"),
        "/orgs/default/projects/": ("Choose a project in default", "projects"),
        LIST + "?status=failed&window=7d": (re.compile("^Workspaces"), "list"),
        LIST + "backup_dev_0083/": ("backup-dev-0083", "workspace"),
        "/workspaces/": (re.compile("^All workspaces"), "all-workspaces"),
        "/workspaces/status/": (re.compile("^Status"), "status-across"),
        "/my-workspaces/": ("My workspaces", "my-workspaces"),
    }

    for path, (heading, name) in pages.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        page.screenshot(path=artifacts / f"phone-320-{name}.png", full_page=True)

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at 320 px"
        if name in ("list", "all-workspaces"):
            assert_rows_show_name_status_and_update(page, path)
            assert_accessible(page, f"{path} at 320 px")
        if name == "workspace":
            # Each label above its value: "Cloud cost management" beside it left the identifier
            # a column that broke it mid-word (backup_dev_00 / 83).
            value = page.locator(".facts dd").filter(has_text="backup_dev_0083").first
            lines = value.evaluate(
                "dd => dd.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(dd).lineHeight)"
            )
            assert lines < 1.5, f"the identifier is broken over {lines:.1f} lines"

    # The menus that open a panel below them stay on the screen too.
    page.goto(live_server.url + LIST)
    for menu in (page.locator("#my-views > summary"), page.get_by_text("Save view", exact=True)):
        menu.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{menu} opened: {width} px wide at 320 px"
        menu.click()


def test_the_export_section_fits_a_phone_for_a_workspace_with_a_longer_identifier(
    page,
    live_server,
    fake,
    wizard_user,  # noqa: F811
):
    """Identifiers have no spaces; the Download buttons print them whole (as file names)."""
    sign_in(page, live_server)
    page.set_viewport_size(PHONE)
    identifier = "payments_api_production_eu_west_1_primary"  # 41 characters
    create(fake, identifier)

    for viewport in (PHONE, SMALL_PHONE):
        page.set_viewport_size(viewport)
        page.goto(live_server.url + LIST + identifier + "/")
        page.get_by_text("Show this workspace as code").click()
        expect(page.locator("#export-tf")).to_be_visible()

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{width} px wide at {viewport['width']} px"


def test_the_provisioner_step_reflows_at_320_css_pixels(
    page,
    live_server,
    wizard_user,  # noqa: F811
):
    draft = make_draft(wizard_user)
    sign_in(page, live_server)
    page.set_viewport_size(SMALL_PHONE)
    open_page(
        page, f"{live_server.url}/drafts/{draft.pk}/provisioner/", "Provisioner and connectors"
    )

    grid = page.locator(".provider-grid").bounding_box()
    for card in page.locator(".provider-grid > fieldset").all():
        box = card.bounding_box()
        overflow = box["x"] + box["width"] - (grid["x"] + grid["width"])
        assert overflow <= 0.5, f"a provider card overflows the form by {overflow:.0f} px"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the provisioner step is {width} px wide at 320 px"
