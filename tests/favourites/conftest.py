import pytest

from tests.conftest import ACCOUNT

SANDBOX = "/orgs/default/projects/sandbox/workspaces/"
FAILED_WS = ("lambda_dev_0006", "lambda-dev-0006")  # failed, in default / sandbox
ACTIVE_WS = ("iam_prod_0001", "iam-prod-0001")  # active, in default / sandbox


def htmx(target: str = "", current_url: str = "") -> dict:
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    if current_url:
        headers["HX-Current-URL"] = current_url
    return headers


def star(client, identifier: str, name: str, *, starred=True, layout="row", next="", **kw):
    return client.post(
        f"{SANDBOX}{identifier}/favourite/",
        {"starred": "true" if starred else "false", "name": name, "layout": layout, "next": next},
        **kw,
    )


@pytest.fixture
def starred(user_with_key):
    """Alice starred two sandbox workspaces."""
    from workspaces.favourites.models import Favourite

    for identifier, name in (FAILED_WS, ACTIVE_WS):
        Favourite.objects.create(
            user=user_with_key,
            account_id=ACCOUNT,
            org="default",
            project="sandbox",
            identifier=identifier,
            name=name,
        )
    return user_with_key
