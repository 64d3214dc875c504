"""My workspaces: favourites with their live status, a failing row on its own, the empty state."""

import html
import re
import time

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from tests.conftest import ACCOUNT
from tests.favourites.conftest import ACTIVE_WS, FAILED_WS, favourite, htmx, star
from workspaces.favourites.models import Favourite

pytestmark = pytest.mark.django_db
MINE = "/my-workspaces/"


def _stars(user, *, project: str, prefix: str, count: int, digits: int = 2, name_prefix=""):
    """`count` stars in default/`project` (identifiers `prefix`00, ...; names as last seen
    `name_prefix` + the same number, or none), made in one query."""
    Favourite.objects.bulk_create(
        Favourite(
            user=user,
            account_id=ACCOUNT,
            org="default",
            project=project,
            identifier=f"{prefix}{i:0{digits}}",
            name=f"{name_prefix}{i:0{digits}}" if name_prefix else "",
        )
        for i in range(count)
    )


def _every_page(client, first, pattern: str) -> list[str]:
    """What `pattern` finds on `first` and every page after it, by the pager's Next."""
    listed, page = [], first
    while True:
        listed += re.findall(pattern, page.content.decode())
        following = re.search(r'rel="next" href="([^"]+)"', page.content.decode())
        if not following:
            return listed
        page = client.get(MINE + html.unescape(following[1]))


SANDBOX_WORKSPACES = (
    *("ecs_qa_0010", "ecs_staging_0005", "eks_staging_0011", "iam_prod_0001"),
    *("iam_staging_0008", "lambda_dev_0006", "lambda_dev_0012", "redis_prod_0004"),
    *("s3_qa_0009", "s3_staging_0003", "waf_dev_0007", "waf_prod_0002"),
)


def test_each_favourite_shows_where_it_is_and_its_status_read_now(
    signed_in_with_key, starred, fake
):
    fake.clear_log()

    response = signed_in_with_key.get(MINE)

    assert response.status_code == 200
    assertContains(response, '<h1 id="my-workspaces-title">My workspaces</h1>', html=False)
    assertContains(
        response, '<a href="/orgs/default/projects/sandbox/workspaces/lambda_dev_0006/">'
    )
    assertContains(response, "default / sandbox", count=2)
    assertContains(response, '<span class="badge badge--failed">Failed</span>')
    assertContains(response, '<span class="badge badge--active">Active</span>')
    paths = sorted(entry["path"].rsplit("/", 1)[1] for entry in fake.log("iacm.workspaces.get"))
    assert paths == sorted([FAILED_WS[0], ACTIVE_WS[0]])


def test_a_workspace_gone_from_harness_fails_on_its_row_only(signed_in_with_key, starred):
    favourite(starred, "deleted_meanwhile", "deleted-meanwhile")

    response = signed_in_with_key.get(MINE)

    assertContains(response, "Harness has no workspace deleted_meanwhile in default / sandbox")
    assertContains(response, "deleted-meanwhile")  # the name as last seen
    assertContains(response, 'class="badge badge--', count=2)  # the other two are read
    assertNotContains(response, "Try again")  # retrying a 404 does not help; Remove does
    assertContains(response, 'Remove<span class="visually-hidden"> deleted-meanwhile', count=1)


def test_a_star_in_a_project_the_key_cannot_reach_any_more_offers_remove_not_try_again(
    client, user, fake
):
    from tests.conftest import ORG_KEY
    from workspaces.services import credential_save

    credential_save(user=user, account_id=ACCOUNT, api_key=ORG_KEY)  # org "platform" only
    favourite(user, *FAILED_WS)
    client.force_login(user)

    response = client.get(MINE)

    (row,) = response.context["rows"]
    assert row.missing
    assertContains(response, "Your Harness key cannot read default / sandbox any more")
    assertContains(response, '<td data-label="Where">default / sandbox</td>')
    assertNotContains(response, ">Try again<")  # Harness refuses it every time: retrying is moot
    assertContains(response, f'Remove<span class="visually-hidden"> {FAILED_WS[1]}', count=1)


def test_a_failed_read_offers_try_again_which_reads_that_row_alone(
    signed_in_with_key, starred, fake
):
    fake.inject("iacm.workspaces.get", status=500, times=10)
    failing = signed_in_with_key.get(MINE)
    fake.clear_faults()
    favourite = Favourite.objects.get(identifier=FAILED_WS[0])
    fake.clear_log()

    row = signed_in_with_key.get(MINE, {"favourite": favourite.pk}, headers=htmx())

    assertContains(failing, "Harness answered with an error (HTTP 500)", count=2)
    assertContains(failing, f'hx-get="{MINE}?favourite={favourite.pk}"')
    assertContains(failing, ">Try again<", count=2)
    # On the page each row's error is a polite status (not an alert each on load).
    assertContains(failing, '<span class="favourite-error" role="status">', count=2)
    assertContains(row, f'<tr id="fav-row-{favourite.pk}">')
    assertContains(row, '<span class="badge badge--failed">Failed</span>')
    assertNotContains(row, "<html")
    assert len(fake.log("iacm.workspaces.get")) == 1


def test_without_javascript_try_again_on_a_later_page_reads_that_page(
    signed_in_with_key, user_with_key, fake
):
    _stars(user_with_key, project="sandbox", prefix="a_", count=25, name_prefix="a-")
    star_on_page_two = favourite(user_with_key, "iam_prod_0001", "iam-prod-0001")
    fake.inject("iacm.workspaces.get", status=500, times=1000, path="/iam_prod_0001")
    try_again = r'href="([^"]+)" hx-get="([^"]+)"[^>]*>Try again'

    page_two = signed_in_with_key.get(MINE + "?page=2")
    retry = re.search(try_again, page_two.content.decode())
    assert retry is not None
    assert html.unescape(retry[1]) == f"{MINE}?page=2", retry[1]
    # With htmx it reads the row alone; the row it answers with keeps the page in its link.
    row = signed_in_with_key.get(html.unescape(retry[2]), headers=htmx())
    again = re.search(try_again, row.content.decode())
    assert again is not None
    assert f'<tr id="fav-row-{star_on_page_two.pk}">' in row.content.decode()
    assert html.unescape(again[1]) == f"{MINE}?page=2", again[1]
    assert html.unescape(again[2]) == f"{MINE}?page=2&favourite={star_on_page_two.pk}", again[2]


def test_the_row_retry_is_only_for_the_users_own_favourites(client, starred, other_user, fake):
    from tests.conftest import READ_KEY
    from workspaces.services import credential_save

    credential_save(user=other_user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(other_user)
    alices = Favourite.objects.first()

    response = client.get(MINE, {"favourite": alices.pk}, headers=htmx())
    page = client.get(MINE)

    # The answer for a star removed meanwhile (test below): nothing of Alice's, not even that
    # the id is a star.
    assertNotContains(response, alices.name)
    assertNotContains(response, alices.identifier)
    assert response.content == _removed_row(client, alices.pk).content
    assertNotContains(page, alices.name)
    assertContains(page, "No starred workspaces yet.")


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "9" * 20, "0", "-1", "1.5", "abc"])
def test_a_row_retry_for_something_not_a_favourite_id_is_a_bad_request(
    signed_in_with_key, starred, fake, value
):
    fake.clear_log()

    response = signed_in_with_key.get(MINE, {"favourite": value}, headers=htmx())

    assert response.status_code == 400
    assert fake.log("iacm.workspaces.get") == []


def test_remove_on_my_workspaces_replaces_the_row_with_a_note(signed_in_with_key, starred):
    pk = Favourite.objects.get(identifier=FAILED_WS[0]).pk

    response = star(signed_in_with_key, *FAILED_WS, starred=False, layout="mine", headers=htmx())

    assertContains(response, "lambda-dev-0006 was removed from My workspaces.")
    # The note keeps the row's id, so the focus that was on its Remove lands on the note (in
    # portal.js, by `data-refocus`), not on <body> (WCAG 2.4.3).
    assertContains(
        response,
        f'<tr id="fav-row-{pk}" class="favourite-removed" data-refocus="fav-row-{pk}-note">',
    )
    assertContains(response, f'<span id="fav-row-{pk}-note" tabindex="-1" role="status">')
    assert not Favourite.objects.filter(identifier=FAILED_WS[0]).exists()


def test_without_favourites_the_page_explains_how_to_add_one(signed_in_with_key, fake):
    response = signed_in_with_key.get(MINE)

    assertContains(response, "No starred workspaces yet.")
    assertContains(
        response, '<a class="button button--primary" href="/">Go to the workspace list</a>'
    )
    assert fake.log("iacm.workspaces.get") == []


def test_many_favourites_are_read_in_parallel_a_few_at_a_time(
    signed_in_with_key, user_with_key, fake
):
    from workspaces.favourites.selectors import STATUS_READS_IN_PARALLEL

    Favourite.objects.bulk_create(
        Favourite(
            user=user_with_key, account_id=ACCOUNT, org="default", project="sandbox", identifier=i
        )
        for i in SANDBOX_WORKSPACES
    )
    fake.inject("iacm.workspaces.get", delay_ms=150, times=12)

    started = time.monotonic()
    response = signed_in_with_key.get(MINE)
    elapsed = time.monotonic() - started

    assertContains(response, 'class="badge badge--', count=12)
    # 12 reads of 150 ms, `STATUS_READS_IN_PARALLEL` (8) at a time: two rounds, not twelve.
    assert STATUS_READS_IN_PARALLEL == 8
    assert 0.3 <= elapsed < 1.2, elapsed


def test_many_favourites_are_paged_and_only_the_page_shown_is_read(
    signed_in_with_key, user_with_key, fake
):
    _stars(  # FAVOURITE_LIMIT
        user_with_key,
        project="sandbox",
        prefix="starred_",
        count=200,
        digits=3,
        name_prefix="starred-",
    )
    fake.clear_log()
    fake.inject("iacm.workspaces.get", delay_ms=100, times=50)

    first = signed_in_with_key.get(MINE)
    reads_for_one_page = len(fake.log("iacm.workspaces.get"))
    listed = _every_page(signed_in_with_key, first, r"<code>(starred_\d+)</code>")

    assert reads_for_one_page <= 50, reads_for_one_page
    assertContains(first, "<code>starred_000</code>")  # the same order: org, project, identifier
    assertContains(first, "Page 1 of ")
    assert listed == [f"starred_{i:03}" for i in range(200)]


def test_paging_shows_every_star_once_when_a_page_read_learns_a_new_name(
    signed_in_with_key, user_with_key, fake
):
    # Harness has none of these (each row offers Remove): their names as last seen stay.
    _stars(user_with_key, project="sandbox", prefix="gone_", count=25, name_prefix="b-gone-")
    # Renamed in Harness since it was starred: reading page 1 learns "iam-prod-0001".
    favourite(user_with_key, "iam_prod_0001", "a renamed one")

    listed = _every_page(
        signed_in_with_key, signed_in_with_key.get(MINE), r"<code>([a-z_0-9]+)</code>"
    )

    assert listed == [f"gone_{i:02}" for i in range(25)] + ["iam_prod_0001"], listed[23:]
    assert Favourite.objects.get(identifier="iam_prod_0001").name == "iam-prod-0001"


def test_one_broken_project_does_not_fail_the_stars_of_a_healthy_project(
    signed_in_with_key, user_with_key, fake
):
    # 20 stars in default/infra (more than the breaker's threshold), whose reads Harness fails
    # (5xx); one in default/sandbox, healthy, on the same page.
    _stars(user_with_key, project="infra", prefix="broken_", count=20, name_prefix="broken-")
    favourite(user_with_key, *ACTIVE_WS)  # sorts after every infra star (org, project, identifier)
    fake.inject("iacm.workspaces.get", status=503, times=1000, path="/projects/infra/")

    response = signed_in_with_key.get(MINE)

    fake.clear_faults()
    healthy = next(r for r in response.context["rows"] if r.favourite.project == "sandbox")
    assert healthy.workspace is not None, healthy.error
    assertContains(response, '<span class="badge badge--active">Active</span>')


def test_reading_a_favourite_keeps_its_name_as_last_seen(signed_in_with_key, user_with_key):
    favourite(user_with_key, FAILED_WS[0], "an old name")

    signed_in_with_key.get(MINE)

    assert Favourite.objects.get().name == FAILED_WS[1]


def test_favourites_in_another_account_are_counted_not_hidden(signed_in_with_key, starred):
    mine = Favourite.objects.filter(user=starred).count()
    other = favourite(starred, "elsewhere_0001", "elsewhere")
    Favourite.objects.filter(pk=other.pk).update(account_id="another-account")

    response = signed_in_with_key.get(MINE)

    assert len(response.context["rows"]) == mine
    assertContains(response, "1 more starred workspace is in another Harness account.")
    assertNotContains(response, "elsewhere_0001")
    Favourite.objects.filter(account_id=ACCOUNT).delete()
    empty = signed_in_with_key.get(MINE)
    assertContains(empty, "No starred workspace in this account.")
    assertContains(empty, "1 more starred workspace is in another Harness account.")


def test_no_note_when_every_favourite_is_in_this_account(signed_in_with_key, starred):
    response = signed_in_with_key.get(MINE)

    assertNotContains(response, "another Harness account")


def test_a_row_read_again_that_fails_again_is_announced(signed_in_with_key, starred, fake):
    favourite = Favourite.objects.get(identifier=FAILED_WS[0])
    fake.inject("iacm.workspaces.get", status=500, times=10)

    row = signed_in_with_key.get(MINE, {"favourite": favourite.pk}, headers=htmx())

    assertContains(row, '<span class="favourite-error" role="alert">')
    assertContains(row, "Harness answered with an error (HTTP 500)")


def _removed_row(client, pk):
    """The row read again for a star that is not, or no longer, the user's (none has this id)."""
    Favourite.objects.filter(pk=pk).delete()
    return client.get(MINE, {"favourite": pk}, headers=htmx())


def test_try_again_on_a_row_removed_in_another_tab_answers_something_htmx_swaps(
    signed_in_with_key, starred, fake
):
    gone = Favourite.objects.get(identifier=FAILED_WS[0])
    pk = gone.pk
    gone.delete()

    row = signed_in_with_key.get(MINE, {"favourite": pk}, headers=htmx())

    # htmx 2 swaps no 404: the row would stay, its Try again doing nothing.
    assert row.status_code == 200, row.status_code
    assertContains(row, f'<tr id="fav-row-{pk}" class="favourite-removed"')
    assertContains(row, "was removed from My workspaces.")


def test_without_javascript_a_row_read_for_a_removed_star_shows_the_page(
    signed_in_with_key, starred, fake
):
    gone = Favourite.objects.get(identifier=FAILED_WS[0])
    pk = gone.pk
    gone.delete()

    page = signed_in_with_key.get(MINE, {"favourite": pk})

    assert page.status_code == 200
    assertContains(page, ACTIVE_WS[1])
