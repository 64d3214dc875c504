"""IaCM workspace list (W1) and the other project reads: paging, sort, filters, metrics, tags."""

from __future__ import annotations

import pytest

from tests.harness_fake.support import WS, Api


def _all(api: Api, **params: object) -> list[dict]:
    response = api.iacm("GET", WS, params={"limit": 1000, **params})
    assert response.status_code == 200
    items = response.json()
    if int(response.headers["x-total-pages"]) > 1:
        items += api.iacm("GET", WS, params={"limit": 1000, "page": 2, **params}).json()
    return items


def test_default_page_is_first_30_by_name(api: Api) -> None:
    response = api.iacm("GET", WS)

    items = response.json()
    assert response.headers["content-type"] == "application/json"
    assert len(items) == 30
    assert response.headers["x-page-size"] == "30"
    assert response.headers["x-total-items"] == "1800"
    assert response.headers["x-total-pages"] == "60"
    names = [item["name"] for item in items]
    assert names == sorted(names, key=str.lower)


def test_page_is_one_based(api: Api) -> None:
    everything = [i["identifier"] for i in _all(api)]

    page_two = api.iacm("GET", WS, params={"limit": 100, "page": 2})

    assert page_two.headers["x-total-items"] == "1800"
    assert page_two.headers["x-total-pages"] == "18"
    assert [i["identifier"] for i in page_two.json()] == everything[100:200]


def test_last_page_holds_the_remainder_and_beyond_is_empty(api: Api) -> None:
    last = api.iacm("GET", WS, params={"limit": 700, "page": 3})
    beyond = api.iacm("GET", WS, params={"limit": 700, "page": 4})

    assert last.headers["x-total-pages"] == "3"
    assert len(last.json()) == 400
    assert beyond.status_code == 200
    assert beyond.json() == []


def test_summary_shape(api: Api) -> None:
    items = api.iacm("GET", WS, params={"limit": 1000}).json()

    keys = {"account", "org", "project", "identifier", "name", "status", "created", "updated"}
    assert all(keys <= item.keys() <= keys | {"description"} for item in items)
    assert any("description" in item for item in items)
    assert all(item["account"] == "AcmeDemoAcct01" and item["project"] == "infra" for item in items)
    assert all(item["updated"] > 10**12 for item in items)  # milliseconds


@pytest.mark.parametrize(
    ("params", "name", "fragment"),
    [
        ({"limit": 0}, "invalid_range", "limit must be greater or equal than 1"),
        ({"limit": 1001}, "invalid_range", "limit must be lesser or equal than 1000"),
        ({"page": 0}, "invalid_range", "page must be greater or equal than 1"),
        ({"limit": "ten"}, "invalid_field_type", 'for "limit", must be a integer'),
        # Goa reads int64 query params with strconv.ParseInt(s, 10, 64): no "_", no spaces,
        # nothing past int64 (Python's int() would take the first two).
        ({"page": "1_0"}, "invalid_field_type", 'invalid value "1_0" for "page"'),
        ({"limit": " 5"}, "invalid_field_type", 'invalid value " 5" for "limit"'),
        ({"page": "9" * 20}, "invalid_field_type", 'for "page", must be a integer'),
        # Python's int() raises ValueError past 4,300 digits: a 400 too, not a 500.
        ({"page": "9" * 5000}, "invalid_field_type", 'for "page", must be a integer'),
        ({"sort": "name"}, "invalid_enum_value", 'sort must be one of "name,ASC"'),
        ({"sort": "created,ASC"}, "invalid_enum_value", 'but got value "created,ASC"'),
    ],
)
def test_bad_query_is_a_goa_400(api: Api, params: dict, name: str, fragment: str) -> None:
    response = api.iacm("GET", WS, params=params)

    body = response.json()
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/vnd.goa.error"
    assert set(body) == {"name", "id", "message", "temporary", "timeout", "fault"}
    assert body["name"] == name
    assert fragment in body["message"]


def test_limit_bounds_are_inclusive(api: Api) -> None:
    one = api.iacm("GET", WS, params={"limit": 1})
    thousand = api.iacm("GET", WS, params={"limit": 1000})

    assert len(one.json()) == 1
    assert one.headers["x-total-pages"] == "1800"
    assert len(thousand.json()) == 1000


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("name,ASC", lambda i: (i["name"].lower(), i["identifier"]), False),
        ("name,DESC", lambda i: (i["name"].lower(), i["identifier"]), True),
        ("updated,ASC", lambda i: (i["updated"], i["identifier"]), False),
        ("updated,DESC", lambda i: (i["updated"], i["identifier"]), True),
    ],
)
def test_sort_orders_the_whole_collection(api: Api, sort: str, key, reverse: bool) -> None:
    items = _all(api, sort=sort)

    assert len(items) == 1800
    assert items == sorted(items, key=key, reverse=reverse)


def test_search_term_is_a_case_sensitive_name_match(api: Api) -> None:
    """Contract §2.0 says "partial name match" and nothing of case: the fake takes the narrower
    reading, so nothing relies on a case-insensitive search."""
    everything = _all(api)

    found = _all(api, searchTerm="vpc-pro")
    other_case = _all(api, searchTerm="VPC-Pro")

    expected = [i for i in everything if "vpc-pro" in i["name"]]
    assert expected
    assert found == expected
    assert other_case == []


@pytest.mark.parametrize(
    "params",
    [{"status": "failed,drifted"}, {"status": ["failed", "drifted"]}],
    ids=["comma", "repeated"],
)
def test_status_filter(api: Api, params: dict) -> None:
    response = api.iacm("GET", WS, params={"limit": 1000, **params})

    statuses = {i["status"] for i in response.json()}
    assert statuses == {"failed", "drifted"}
    assert int(response.headers["x-total-items"]) == len(response.json())


@pytest.mark.parametrize("params", [{"status[]": "no_such_status"}, {"tags[]": "no:such_tag"}])
def test_bracketed_status_and_tags_are_not_parameters_of_the_list(api: Api, params: dict) -> None:
    # W1's query parameters are `status` and `tags` (contract §2.0, AE-WS): `status[]` and
    # `tags[]` are unknown there and filter nothing.
    everything = api.iacm("GET", WS)
    bracketed = api.iacm("GET", WS, params=params)

    assert bracketed.headers["x-total-items"] == everything.headers["x-total-items"] == "1800"


def test_tags_filter_requires_every_tag(api: Api, fake) -> None:
    prod = api.iacm("GET", WS, params={"limit": 1000, "tags": "env:prod"})
    both = api.iacm("GET", WS, params={"limit": 1000, "tags": ["env:prod", "team:data"]})
    comma = api.iacm("GET", WS, params={"limit": 1000, "tags": "env:prod,team:data"})

    prod_names = {i["name"] for i in prod.json()}
    both_names = {i["name"] for i in both.json()}
    assert prod_names and all("-prod-" in n for n in prod_names)
    assert both_names and both_names < prod_names
    assert {i["name"] for i in comma.json()} == both_names
    for identifier in list(both_names)[:5]:
        ws = api.iacm("GET", f"{WS}/{identifier.replace('-', '_')}").json()
        assert ws["tags"]["env"] == "prod" and ws["tags"]["team"] == "data"


def test_filters_combine_and_page(api: Api) -> None:
    params = {"searchTerm": "e", "status": "active", "tags": "env:dev", "limit": 10}

    first = api.iacm("GET", WS, params=params)
    second = api.iacm("GET", WS, params={**params, "page": 2})

    total = int(first.headers["x-total-items"])
    assert total > 20
    assert first.headers["x-total-pages"] == str(-(-total // 10))
    names = [i["name"] for i in first.json() + second.json()]
    assert len(set(names)) == 20
    assert all("e" in n and "-dev-" in n for n in names)
    assert {i["status"] for i in first.json()} == {"active"}


def test_both_prefixes_serve_the_same_data(api: Api) -> None:
    direct = api.iacm("GET", WS, params={"limit": 50})
    gateway = api.iacm("GET", WS, params={"limit": 50}, prefix="/gateway/iacm/api")

    assert gateway.status_code == 200
    assert gateway.json() == direct.json()
    assert gateway.headers["x-total-items"] == "1800"


def test_other_projects_have_their_seeded_counts(api: Api) -> None:
    counts = {}
    for org, project in [
        ("default", "sandbox"),
        ("default", "empty"),
        ("platform", "networking"),
        ("platform", "data"),
        ("payments", "core"),
    ]:
        response = api.iacm("GET", f"/orgs/{org}/projects/{project}/workspaces")
        counts[project] = int(response.headers["x-total-items"])

    assert counts == {"sandbox": 12, "empty": 0, "networking": 40, "data": 25, "core": 60}


def test_empty_project_lists_nothing(api: Api) -> None:
    response = api.iacm("GET", "/orgs/default/projects/empty/workspaces")

    assert response.json() == []
    assert response.headers["x-total-pages"] == "0"


def test_unknown_project_is_404(api: Api) -> None:
    response = api.iacm("GET", "/orgs/default/projects/nope/workspaces")

    assert response.status_code == 404
    assert response.json()["name"] == "not_found"


def test_show_workspace_has_the_required_fields(api: Api) -> None:
    identifier = api.iacm("GET", WS).json()[0]["identifier"]

    ws = api.iacm("GET", f"{WS}/{identifier}").json()

    required = {
        "account",
        "org",
        "project",
        "identifier",
        "name",
        "provider_connector",
        "provisioner",
        "repository_connector",
        "terraform_variables",
        "environment_variables",
        "created",
        "updated",
        "provisioner_data",
        "status",
        "tags",
    }
    assert required <= ws.keys()
    assert ws["terraform_variables"]["region"]["created"] > 10**12


def test_metrics_count_statuses_within_the_window(api: Api, fake) -> None:
    everything = _all(api)
    start_ms = fake.seed()["start_time_ms"]
    window_start = (start_ms - 30 * 86_400_000) // 1000
    window_end = (start_ms - 10 * 86_400_000) // 1000

    full = api.iacm("GET", "/orgs/default/projects/infra/workspace-metrics").json()
    windowed = api.iacm(
        "GET",
        "/orgs/default/projects/infra/workspace-metrics",
        params={"start_time": window_start, "end_time": window_end},
    ).json()

    expected_full: dict[str, int] = {}
    expected_window: dict[str, int] = {}
    for item in everything:
        expected_full[item["status"]] = expected_full.get(item["status"], 0) + 1
        if window_start * 1000 <= item["updated"] <= window_end * 1000 + 999:
            expected_window[item["status"]] = expected_window.get(item["status"], 0) + 1
    assert full == {"status_counts": expected_full}
    assert windowed == {"status_counts": expected_window}
    assert sum(expected_window.values()) < 1800


def test_metrics_read_the_window_in_seconds_or_milliseconds_alike(api: Api, fake) -> None:
    start_ms = fake.seed()["start_time_ms"] - 30 * 86_400_000
    end_ms = fake.seed()["start_time_ms"] - 10 * 86_400_000
    path = "/orgs/default/projects/infra/workspace-metrics"

    in_ms = api.iacm("GET", path, params={"start_time": start_ms, "end_time": end_ms}).json()
    in_s = api.iacm(
        "GET", path, params={"start_time": start_ms // 1000, "end_time": end_ms // 1000}
    ).json()

    assert in_ms == in_s
    assert 0 < sum(in_ms["status_counts"].values()) < 1800


@pytest.mark.parametrize("start_time", ["yesterday", "1_700_000_000", "9" * 20])
def test_metrics_reject_non_integer_times(api: Api, start_time: str) -> None:
    response = api.iacm(
        "GET", "/orgs/default/projects/infra/workspace-metrics", params={"start_time": start_time}
    )

    assert response.status_code == 400
    assert response.json()["name"] == "invalid_field_type"


def test_tags_lists_every_key_value_in_the_project(api: Api) -> None:
    tags = api.iacm("GET", "/orgs/default/projects/sandbox/tags").json()
    expected = set()
    for item in api.iacm("GET", "/orgs/default/projects/sandbox/workspaces").json():
        ws = api.iacm(
            "GET", f"/orgs/default/projects/sandbox/workspaces/{item['identifier']}"
        ).json()
        expected |= {f"{k}:{v}" for k, v in ws["tags"].items()}

    assert tags == sorted(expected)
    assert any(t.startswith("env:") for t in tags)


@pytest.mark.parametrize(
    ("provisioner", "latest"),
    [
        ("terraform", "1.5.7"),
        ("opentofu", "1.10.6"),
        ("terragrunt", "0.80.4"),
        ("awscdk", "2.200.1"),
    ],
)
def test_supported_provisioner_versions_end_with_latest(
    api: Api, provisioner: str, latest: str
) -> None:
    response = api.iacm("GET", f"/provisioners/supported/{provisioner}")

    versions = response.json()
    assert response.status_code == 200
    assert versions[-1] == latest
    assert len(versions) == len(set(versions)) > 3


def test_terraform_versions_stop_at_the_licence_line(api: Api) -> None:
    versions = api.iacm("GET", "/provisioners/supported/terraform").json()

    assert all(tuple(map(int, v.split("."))) <= (1, 5, 7) for v in versions)


def test_unknown_provisioner_is_an_enum_error(api: Api) -> None:
    response = api.iacm("GET", "/provisioners/supported/pulumi")

    assert response.status_code == 400
    assert response.json()["name"] == "invalid_enum_value"
