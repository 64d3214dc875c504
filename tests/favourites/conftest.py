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


def star(client, identifier: str, name: str = "", *, starred=True, layout="", **kw):
    """Press a star of default / sandbox: the button says `add` or `remove` with the identifier
    (My workspaces' with "<identifier> <name>"); the workspace page sends the name apart."""
    value = identifier if layout == "page" or not name else f"{identifier} {name}"
    data = {"add" if starred else "remove": value}
    if layout:
        data.update(layout=layout, name=name if layout == "page" else "")
    return client.post("/orgs/default/projects/sandbox/favourites/", data, **kw)


def favourite(user, identifier: str, name: str = "", *, project: str = "sandbox"):
    """A star of `user`'s, made directly (the views are tested in test_stars.py)."""
    from workspaces.favourites.models import Favourite

    return Favourite.objects.create(
        user=user,
        account_id=ACCOUNT,
        org="default",
        project=project,
        identifier=identifier,
        name=name,
    )


@pytest.fixture
def starred(user_with_key):
    """Alice starred two sandbox workspaces."""
    for identifier, name in (FAILED_WS, ACTIVE_WS):
        favourite(user_with_key, identifier, name)
    return user_with_key
