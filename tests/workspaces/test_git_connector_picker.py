"""The Repository step's git connector picker offers the repository picker types of contract
§6.1 (Github, Gitlab, Bitbucket, Git): no public source shows an IaCM workspace on an AzureRepo
or Codecommit connector, and the fake refuses one (harness_fake/state.py)."""

from __future__ import annotations

from workspaces.clients import harness_client_for
from workspaces.wizard import steps
from workspaces.wizard.pickers import PICKERS, PickerRequest

LIST = "ng.connectors.list"


def test_the_git_connector_picker_asks_for_the_repository_picker_types(user_with_key, fake):
    fake.clear_log()

    picker = PICKERS["git-connector"](
        client=harness_client_for(user_with_key),
        org="default",
        project="infra",
        request=PickerRequest("git-connector"),
    )

    (call,) = fake.log(route=LIST)
    assert call["body"]["types"] == ["Github", "Gitlab", "Bitbucket", "Git"]
    assert steps.GIT_CONNECTOR_TYPES == ("Github", "Gitlab", "Bitbucket", "Git")
    assert picker.options and "account.github_acme" in {o.value for o in picker.options}
