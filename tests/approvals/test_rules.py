"""Which requests an approval rule holds, and who it names as approvers."""

import pytest
from django.contrib.auth.models import Group

from tests.approvals.support import GROUP, prod_rule
from workspaces.approvals import selectors
from workspaces.approvals.admin import ApprovalRuleForm
from workspaces.models import ApprovalRule

PROD = {"env": "prod", "team": "platform"}


@pytest.mark.parametrize(
    ("rule", "request_", "held"),
    [
        ({}, {}, True),
        ({}, {"kind": "edit"}, False),
        ({"for_edit": True}, {"kind": "edit"}, True),
        ({"for_create": False, "for_delete": True}, {}, False),
        ({}, {"project": "sandbox"}, False),
        ({"project": ""}, {"project": "sandbox"}, True),
        ({"org": "", "project": ""}, {"org": "platform", "project": "data"}, True),
        ({}, {"org": "platform"}, False),
        ({}, {"tags": {"env": "dev"}}, False),
        ({}, {"tags": {"team": "platform"}}, False),
        ({"tag_value": ""}, {"tags": {"env": "dev"}}, True),
        ({"tag_key": "", "tag_value": ""}, {"tags": {}}, True),
        ({"active": False}, {}, False),
    ],
)
def test_a_rule_holds_requests_of_its_actions_place_and_tag(rule, request_, held):
    values = {
        "for_create": True,
        "org": "default",
        "project": "infra",
        "tag_key": "env",
        "tag_value": "prod",
        **rule,
    }
    asked = {"kind": "create", "org": "default", "project": "infra", "tags": PROD, **request_}

    assert ApprovalRule(name="r", **values).matches(**asked) is held


def test_only_matching_active_rules_are_found(db):
    prod = prod_rule(name="prod")
    prod_rule(name="sandbox", project="sandbox")
    prod_rule(name="off", active=False)
    everywhere = prod_rule(name="all creates", org="", project="", tag_key="", tag_value="")

    found = selectors.rules_matching(kind="create", org="default", project="infra", tags=PROD)
    found_dev = selectors.rules_matching(
        kind="create", org="default", project="infra", tags={"env": "dev"}
    )

    assert {rule.name for rule in found} == {prod.name, everywhere.name}
    assert found_dev == [everywhere]


def test_approvers_are_named_people_and_members_of_named_groups(
    django_user_model, user, other_user
):
    carol = django_user_model.objects.create_user(username="carol", password="x")
    carol.groups.add(Group.objects.create(name=GROUP))
    by_group = prod_rule(name="by group", groups=[GROUP])
    by_name = prod_rule(name="by name", users=[other_user])

    assert list(selectors.rules_approved_by(user=carol)) == [by_group]
    assert list(selectors.rules_approved_by(user=other_user)) == [by_name]
    assert list(selectors.rules_approved_by(user=user)) == []
    assert selectors.approvals_waiting_count(user=user) is None
    assert selectors.approvals_waiting_count(user=carol) == 0


def test_the_admin_form_refuses_a_rule_without_action_or_approver(db):
    form = ApprovalRuleForm(
        data={"name": "Nothing", "active": "on", "tag_value": "prod", "project": "infra"}
    )

    assert not form.is_valid()
    assert form.errors["for_create"] == ["Choose at least one action the rule holds."]
    assert form.errors["org"] == ["Name the organisation of the project."]
    assert form.errors["tag_key"] == ["Name the tag whose value must match."]
    assert "Name at least one approving group or person" in form.errors["approver_users"][0]


def test_operators_add_a_rule_in_the_admin(admin_client, db):
    group = Group.objects.create(name=GROUP)

    response = admin_client.post(
        "/admin/workspaces/approvalrule/add/",
        {
            "name": "Prod deletes",
            "active": "on",
            "for_delete": "on",
            "org": "default",
            "tag_key": "env",
            "tag_value": "prod",
            "approver_groups": [group.pk],
        },
    )
    listed = admin_client.get("/admin/workspaces/approvalrule/")

    assert response.status_code == 302
    rule = ApprovalRule.objects.get(name="Prod deletes")
    assert rule.covers("delete") and not rule.covers("create")
    assert "deletions in default / any project, tagged env=prod" in listed.content.decode()


def test_the_approvers_of_a_request_leave_out_its_author(django_user_model, user, other_user):
    """Nobody approves their own request: a rule naming its author, or a group whose only
    member is its author, names no approver of it. A group nobody has joined yet (an SSO group
    before its members sign in) is still named."""
    own = Group.objects.create(name="own-team")
    user.groups.add(own)
    Group.objects.create(name="not-joined-yet")
    shared = Group.objects.create(name=GROUP)
    user.groups.add(shared)
    other_user.groups.add(shared)
    alone = prod_rule(name="alone", users=[user], groups=["own-team"])
    both = prod_rule(name="both", users=[user, other_user], groups=[GROUP, "not-joined-yet"])

    nobody = selectors.rules_approvers(rules=[alone], requester_id=user.pk)
    others = selectors.rules_approvers(rules=[alone, both], requester_id=user.pk)
    for_other = selectors.rules_approvers(rules=[alone], requester_id=other_user.pk)

    assert not nobody
    assert others.groups == [GROUP, "not-joined-yet"]
    assert others.people == [other_user]
    assert for_other.groups == ["own-team"] and for_other.people == [user]
