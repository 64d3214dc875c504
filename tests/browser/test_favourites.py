"""Favourites and saved views in the browser: star workspaces on their pages, see
both in My workspaces with their status, still there after signing out and in; save a filtered
list as a view and open it as someone whose key reaches one project only."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import ACCOUNT, FULL_KEY
from tests.workspaces.test_harness_key import PROJECT_KEY
from workspaces.favourites.models import FAVOURITE_LIMIT, Favourite, SavedView
from workspaces.services import credential_save

SANDBOX = "/orgs/default/projects/sandbox/workspaces/"
PHONE = {"width": 390, "height": 844}
# `page.evaluate(RECORD_LIVE)`: from then on, `window.said` lists the text added inside any live
# region already in the page (roughly what a screen reader reads out).
RECORD_LIVE = """() => { window.said = [];
  new MutationObserver(ms => ms.forEach(m => {
    const live = m.target.closest && m.target.closest("[role=status], [role=alert], [aria-live]");
    if (live) m.addedNodes.forEach(n => {
      const t = (n.textContent || "").trim(); if (t) window.said.push(t); });
  })).observe(document.body, {childList: true, subtree: true}); }"""


@pytest.fixture
def alice(browser_user, fake):
    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY)
    return browser_user


@pytest.fixture
def alice_with_stars(alice):
    for identifier, name in (
        ("lambda_dev_0006", "lambda-dev-0006"),
        ("iam_prod_0001", "iam-prod-0001"),
    ):
        Favourite.objects.create(
            user=alice,
            account_id=ACCOUNT,
            org="default",
            project="sandbox",
            identifier=identifier,
            name=name,
        )
    return alice


def test_removing_a_star_on_my_workspaces_with_the_keyboard_keeps_focus_in_the_table(
    page, live_server, alice_with_stars
):
    removed = Favourite.objects.get(identifier="lambda_dev_0006")
    sign_in(page, live_server)
    page.goto(live_server.url + "/my-workspaces/")
    remove = page.get_by_role("button", name="Remove lambda-dev-0006 from My workspaces")
    remove.focus()

    page.keyboard.press("Enter")

    note = page.get_by_role("status").filter(has_text="lambda-dev-0006 was removed")
    expect(note).to_be_visible()
    # WCAG 2.4.3: the focus stays where the row was (on its note), not back at the top (<body>).
    expect(page.locator(f"#fav-row-{removed.pk}-note")).to_be_focused()
    # Going back from there reaches the row above (iam-prod-0001 sorts first), not the header.
    page.keyboard.press("Shift+Tab")
    expect(
        page.get_by_role("button", name="Remove iam-prod-0001 from My workspaces")
    ).to_be_focused()


def test_stars_on_workspace_pages_are_in_my_workspaces_after_signing_out(
    page, live_server, alice, artifacts
):
    sign_in(page, live_server)

    # On each workspace's page: the star swaps in place and says what it now does.
    for name in ("lambda-dev-0006", "iam-prod-0001"):
        page.goto(live_server.url + SANDBOX)
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        page.wait_for_load_state()  # htmx wires the star once the page has loaded
        page.get_by_role("button", name=f"Add {name} to My workspaces").click()
        remove = page.get_by_role("button", name=f"Remove {name} from My workspaces")
        expect(remove).not_to_have_attribute("aria-pressed", re.compile(".*"))
        expect(remove).to_be_focused()
    page.screenshot(path=artifacts / "favourites-workspace-page.png")

    # Taking a star back swaps in place too (it once left both buttons on the page: swapping
    # the form out called its `remove`, which is the button named remove).
    page.goto(live_server.url + SANDBOX)
    page.get_by_role("link", name="s3-qa-0009").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("s3-qa-0009")
    page.wait_for_load_state()
    page.get_by_role("button", name="Add s3-qa-0009 to My workspaces").click()
    expect(page.get_by_role("button", name="Remove s3-qa-0009 from My workspaces")).to_be_focused()
    settled(page)  # the new star is wired by htmx once settled
    page.get_by_role("button", name="Remove s3-qa-0009 from My workspaces").click()
    expect(page.get_by_role("button", name="Add s3-qa-0009 to My workspaces")).to_be_focused()
    expect(page.locator("button.star")).to_have_count(1)

    # The header menu leads to My workspaces: both, each with its status read now.
    page.locator("#my-views > summary").click()
    page.screenshot(path=artifacts / "favourites-header-menu.png")
    page.get_by_role("link", name="My workspaces").click()
    rows = page.locator("#my-workspaces tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="lambda-dev-0006").locator(".badge")).to_have_text("Failed")
    expect(rows.filter(has_text="iam-prod-0001").locator(".badge")).to_have_text("Active")
    page.screenshot(path=artifacts / "favourites-my-workspaces.png", full_page=True)
    assert_accessible(page, "My workspaces")

    # They are kept for the person, not the session.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server)
    page.goto(live_server.url + "/my-workspaces/")
    expect(rows).to_have_count(2)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / "favourites-my-workspaces-phone.png", full_page=True)
    menu = page.locator("#my-views")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="My workspaces")).to_be_visible()
    page.screenshot(path=artifacts / "favourites-header-menu-phone.png")
    page.keyboard.press("Escape")  # closes the menu, back on its summary
    expect(menu.get_by_role("link", name="My workspaces")).to_be_hidden()
    expect(menu.locator("summary")).to_be_focused()


@pytest.mark.console_errors("Response Status Error Code 503", "htmx:sendError", "htmx:afterRequest")
def test_a_star_refused_by_an_outage_or_the_cap_says_so_and_one_that_works_clears_it(
    page, live_server, alice, monkeypatch
):
    from django.contrib import auth
    from django.db import OperationalError

    Favourite.objects.bulk_create(
        Favourite(
            user=alice, account_id=ACCOUNT, org="default", project="infra", identifier=f"w{i}"
        )
        for i in range(FAVOURITE_LIMIT)
    )
    sign_in(page, live_server)
    page.goto(live_server.url + SANDBOX + "lambda_dev_0006/")
    page.wait_for_load_state()  # htmx wires the star once the page has loaded
    alert = page.locator("#global-alert")
    star = page.get_by_role("button", name="Add lambda-dev-0006 to My workspaces")

    # The portal's database is down (its own 503): htmx swaps no error answer, and nothing said
    # the press was lost. Then the connection drops: said too.
    signed_in_user = auth.get_user

    def database_down_for_posts(request):
        if request.method == "POST":
            raise OperationalError("connection to server failed")
        return signed_in_user(request)

    monkeypatch.setattr(auth, "get_user", database_down_for_posts)
    star.click()
    expect(alert).to_have_text("The portal could not do that (error 503). Try again in a moment.")
    monkeypatch.undo()
    page.route(re.compile(r"/favourites/$"), lambda route: route.abort(), times=1)
    star.click()
    expect(alert).to_have_text(
        "The portal could not be reached. Check your connection, then try again."
    )

    star.click()
    expect(alert).to_contain_text("remove one first.")
    Favourite.objects.filter(identifier="w0").delete()  # one removed, in another tab
    settled(page)
    page.get_by_role("button", name="Add lambda-dev-0006 to My workspaces").click()

    expect(
        page.get_by_role("button", name="Remove lambda-dev-0006 from My workspaces")
    ).to_be_focused()
    expect(alert).to_be_empty()
    expect(alert).to_have_attribute("role", "alert")  # the same live region, emptied


def test_a_saved_view_opened_by_someone_else_shows_what_their_key_allows(
    page, second_page, live_server, alice, django_user_model, artifacts
):
    carol = django_user_model.objects.create_user(username="carol", password="s3cret-pass")
    credential_save(user=carol, account_id=ACCOUNT, api_key=PROJECT_KEY)  # default / sandbox only
    infra = SavedView.objects.create(
        owner=alice,
        name="Infra failures",
        path="/orgs/default/projects/infra/workspaces/",
        query="status=failed",
    )

    # Alice filters the sandbox list, then saves it under a name.
    sign_in(page, live_server)
    page.goto(live_server.url + SANDBOX)
    page.get_by_role("checkbox", name="Failed", exact=True).check()
    expect(page).to_have_url(re.compile(r"status=failed"))
    page.get_by_text("Save view", exact=True).click()
    # A name she already has is refused from the keyboard: the focus lands on the name, which
    # the error describes (htmx's swap had left it on the panel around the form).
    name = page.get_by_label("Name this view")
    name.fill("infra failures")
    page.get_by_role("button", name="Save", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#save-view-name-error")).to_contain_text("You already have a view")
    settled(page)
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(re.compile("You already have a view"))
    name.fill("Sandbox failures")
    page.evaluate(RECORD_LIVE)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved “Sandbox failures”")).to_be_visible()
    settled(page)
    # Announced: written into a live region that was in the page (one swapped in with its text
    # is not reliably read out); the focus stays on the button pressed.
    assert any("Saved “Sandbox failures”" in said for said in page.evaluate("window.said"))
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()
    page.screenshot(path=artifacts / "favourites-saved-view.png")
    page.locator("#my-views > summary").click()
    expect(page.get_by_role("link", name="Sandbox failures")).to_be_visible()
    page.screenshot(path=artifacts / "favourites-header-menu-views.png")
    view = SavedView.objects.get(owner=alice, name="Sandbox failures")
    assert view.query == "status=failed"

    # Carol opens its link with her own key: the sandbox list, filtered.
    sign_in(second_page, live_server, username="carol")
    second_page.goto(f"{live_server.url}/views/{view.pk}/")
    expect(second_page).to_have_url(re.compile(re.escape(SANDBOX) + r"\?status=failed$"))
    expect(second_page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    badges = second_page.locator("#workspace-table tbody .badge")
    expect(badges.first).to_have_text("Failed")
    assert set(badges.all_inner_texts()) == {"Failed"}

    # Alice's view of a project Carol's key cannot reach shows Carol nothing of it.
    second_page.goto(f"{live_server.url}/views/{infra.pk}/")
    expect(second_page).to_have_url(re.compile(r"/projects/infra/workspaces/\?status=failed$"))
    expect(second_page.locator("#workspace-table")).to_contain_text(
        "Your Harness key is not allowed to do this."
    )
    expect(second_page.locator("#workspace-table tbody tr")).to_have_count(0)
    second_page.screenshot(path=artifacts / "favourites-saved-view-other-key.png")


def text_right(link) -> float:
    """Where the link's text ends on the screen (past its box if the text does not wrap)."""
    return link.evaluate(
        "a => { const r = document.createRange(); r.selectNodeContents(a);"
        " return r.getBoundingClientRect().right; }"
    )


def test_a_menu_tabbed_out_of_closes_and_covers_nothing(page, live_server, alice):
    sign_in(page, live_server)
    page.goto(live_server.url + SANDBOX)
    settled(page)
    save_view = page.locator("#save-view details")
    save_view.locator("summary").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Name this view").focus()
    # A click on the panel's text (the focus goes to <main>, its ancestor) keeps it open.
    page.locator(".save-view__panel .field__help").click()
    expect(save_view).to_have_attribute("open", "")
    page.get_by_label("Name this view").focus()

    for _ in range(3):  # Save, New workspace, then the time window past the panel
        page.keyboard.press("Tab")

    expect(page.locator("#window-24h")).to_be_focused()
    expect(save_view).not_to_have_attribute("open", "")
    on_top = page.evaluate("""() => { const r = document.activeElement.getBoundingClientRect();
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).id; }""")
    assert on_top == "window-24h"  # not under the panel (WCAG 2.4.11)
    # The header's My views too: Tab past its last link and it closes.
    menu = page.locator("#my-views")
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="My workspaces")).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu).not_to_have_attribute("open", "")

    # A long name wraps inside the panel, on a phone too (it ran out of the panel, cut off, and
    # the two views read the same).
    for region in ("eu", "us"):
        SavedView.objects.create(
            owner=alice,
            name=f"Failed or drifted in infrastructure, networking and data: production {region}",
            path="/orgs/default/projects/infra/workspaces/",
            query=f"status=failed&q={region}",
        )
    page.reload()
    settled(page)
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        page.set_viewport_size(viewport)
        menu.locator("summary").click()
        names = menu.locator(".header-menu__list a")
        expect(names.last).to_be_visible()
        panel = menu.locator(".header-menu__panel").bounding_box()
        for name in names.all():
            assert text_right(name) <= panel["x"] + panel["width"], name.inner_text()
        # A click on the panel's text keeps it open and takes the focus out of it: Escape
        # still closes it, and the focus is back on its summary.
        menu.locator(".header-menu__heading").click()
        expect(menu).to_have_attribute("open", "")
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", re.compile(".*"))
        expect(menu.locator("summary")).to_be_focused()
    # So does Save view, whose text a click leaves the focus on <main>, around it.
    save_view.locator("summary").click()
    page.locator(".save-view__panel .field__help").click()
    page.keyboard.press("Escape")
    expect(save_view).not_to_have_attribute("open", re.compile(".*"))
    expect(save_view.locator("summary")).to_be_focused()
