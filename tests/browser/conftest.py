"""Playwright driving the system Chromium against the live test server.

Runs when /usr/bin/chromium exists; in CI (CI=true) a missing Chromium is a failure, not a skip.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import running_in_ci

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse DB access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
# `page.evaluate(RECORD, selector)`: from then on, `window.said` lists the text of each node added
# inside that live region (roughly what a screen reader reads out).
RECORD = """sel => { window.said = [];
  new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(
    n => { const t = (n.textContent || '').trim(); if (t) window.said.push(t); })))
  .observe(document.querySelector(sel), {childList: true, subtree: true}); }"""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if running_in_ci():
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests skipped on this machine.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _checked_page(chromium, expected_errors=()):
    """A page in a browser context of its own (its own cookies), failing the test on any
    JavaScript error or CSP violation it saw, but those the test expects."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: _record_console_error(msg, page, errors, expected_errors))
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations in the browser: {errors}"


def _expected_errors(request) -> tuple[str, ...]:
    """What `@pytest.mark.console_errors("text", ...)` says the test expects in the console: htmx
    logs each error response it gets as an error, even one the test sends on purpose."""
    marker = request.node.get_closest_marker("console_errors")
    return marker.args if marker else ()


@pytest.fixture
def page(chromium, request):
    yield from _checked_page(chromium, _expected_errors(request))


@pytest.fixture
def second_page(chromium, request):
    """Another person's browser (e.g. the approver's), beside `page`."""
    yield from _checked_page(chromium, _expected_errors(request))


def _record_console_error(msg, page, errors: list[str], expected=()) -> None:
    # A 4xx/5xx response is logged by Chromium as "Failed to load resource"; the error pages are
    # designed states that the tests check themselves. Everything else (script errors, CSP
    # violations) fails the test, but what the test expects.
    if msg.type != "error" or msg.text.startswith("Failed to load resource"):
        return
    if not any(text in msg.text for text in expected):
        errors.append(f"{msg.text} at {msg.location} on {page.url}")


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user(username="alice", password="s3cret-pass")


def settled(page) -> None:
    """htmx has swapped and wired the new content (what a person never outpaces).

    htmx wires content it swaps in (its hx-* attributes, and the page's own scripts' afterSettle
    work) only when it settles, 20 ms after the swap: a control clicked, filled or selected
    before that does nothing, or does what it does without JavaScript. Only a request already
    started is waited for: after a `delay:` trigger, wait for its response first."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


def sign_in(page, live_server, username="alice", password="s3cret-pass") -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
