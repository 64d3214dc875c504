"""Per-user rate limits on the identifier check and on submit."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.workspaces.test_drafts import make_draft

# The counters live in the cache (`cache.add` then `cache.incr`): Redis in production.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_identifier_checks_are_limited_per_user(
    signed_in_with_key, user_with_key, other_user, fake, settings
):
    from tests.conftest import ACCOUNT, READ_KEY
    from workspaces.services import credential_save

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "identifier_check": (5, 60)}
    draft = make_draft(user_with_key)
    url = reverse("draft_identifier_check", args=[draft.pk])

    answers = [signed_in_with_key.get(url, {"identifier": f"free_{i}"}) for i in range(7)]

    assert all(r.status_code == 200 for r in answers)
    assert b"is free" in answers[4].content
    assert b"Checking too often" in answers[5].content
    assert len(fake.log(route="iacm.workspaces.get")) == 5
    # Someone else is not slowed down by alice.
    credential_save(user=other_user, account_id=ACCOUNT, api_key=READ_KEY)
    bob = Client()
    bob.force_login(other_user)
    theirs = make_draft(other_user)
    response = bob.get(
        reverse("draft_identifier_check", args=[theirs.pk]), {"identifier": "free_x"}
    )
    assert b"is free" in response.content


def test_submits_are_limited_per_user(signed_in_with_key, user_with_key, fake, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": (2, 60)}
    drafts = [make_draft(user_with_key, identifier=f"rl_ws_{i}") for i in range(3)]

    responses = [
        signed_in_with_key.post(reverse("draft_submit", args=[d.pk]), follow=True) for d in drafts
    ]

    assert len(fake.log(route="iacm.workspaces.create")) == 2
    assert b"wait a minute" in responses[2].content
    drafts[2].refresh_from_db()
    assert drafts[2].status == "draft"


def test_a_burst_across_a_window_boundary_counts_once(monkeypatch, settings):
    from workspaces import ratelimit

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": (10, 60)}
    clock = {"now": 600 * 60 + 59.5}  # half a second before a window boundary
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock["now"])

    before = [ratelimit.rate_limit_exceeded(user_id=1, action="submit") for _ in range(10)]
    clock["now"] += 1.0  # half a second after it
    after = [ratelimit.rate_limit_exceeded(user_id=1, action="submit") for _ in range(10)]
    clock["now"] += 120.0  # two windows later the allowance is back
    later = ratelimit.rate_limit_exceeded(user_id=1, action="submit")

    assert before == [False] * 10
    assert after == [True] * 10
    assert later is False


def test_key_checks_are_limited_per_user(signed_in, fake):
    """Every POST of the key page sent the pasted key to Harness, without limit: a script could
    try keys (or make Harness limit the account) as fast as the portal answered."""
    import re

    answers = [
        signed_in.post(
            reverse("harness_key"),
            {"api_key": f"pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.wrongsecret{n:010d}"},
        )
        for n in range(40)
    ]

    assert fake.counters().get("ng.accounts.get", 0) <= 10  # RATE_LIMIT_KEY_CHECKS_PER_MINUTE
    assert b"Harness did not accept this key (401)" in answers[0].content
    last = answers[-1].content.decode()
    assert "Too many key checks; wait a minute, then paste the key again." in last
    assert "autofocus" in re.search(r'<input[^>]*name="api_key"[^>]*>', last)[0]


def test_waiting_a_minute_after_too_many_key_checks_lets_the_next_one_through(
    signed_in, fake, settings, monkeypatch
):
    """Refused attempts were counted too (`SlidingWindow.add`): trying again while refused kept
    the lockout going, and "wait a minute" was not true."""
    from tests.conftest import ACCOUNT, FULL_KEY
    from workspaces import ratelimit

    clock = {"now": 1000 * 60 + 1.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock["now"])
    bad = f"pat.{ACCOUNT}.65a1f0c0d1e2f3a4b5c6d7e8.wrongsecret000000000"
    for _ in range(10):
        signed_in.post(reverse("harness_key"), {"api_key": bad})
        clock["now"] += 1.0
    for _ in range(3):
        refused = signed_in.post(reverse("harness_key"), {"api_key": bad})
        assert b"Too many key checks; wait a minute" in refused.content
        clock["now"] += 1.0
    assert len(fake.log(route="ng.accounts.get")) == 10
    clock["now"] += 60.0

    again = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assert b"Too many key checks" not in again.content
    assert again.status_code == 302


def test_refused_identifier_checks_and_submits_are_not_counted(monkeypatch, settings):
    from workspaces import ratelimit

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": (3, 60), "identifier_check": (3, 60)}
    clock = {"now": 2000 * 60 + 1.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock["now"])

    for action in ("submit", "identifier_check"):
        allowed = [ratelimit.rate_limit_exceeded(user_id=1, action=action) for _ in range(3)]
        refused = [ratelimit.rate_limit_exceeded(user_id=1, action=action) for _ in range(20)]
        assert allowed == [False] * 3 and refused == [True] * 20, action
    clock["now"] += 90.0  # 31 s into the next window: the last one's events weigh 29/60 each

    # The three allowed ones weigh 1.45 (2.45 with this one: within 3); the 20 refused nothing.
    assert ratelimit.rate_limit_exceeded(user_id=1, action="submit") is False
    assert ratelimit.rate_limit_exceeded(user_id=1, action="identifier_check") is False
