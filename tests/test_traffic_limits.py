"""Which buckets and quota a route's request meets, in API Gateway's order (reference §7.2,
§8.3, §1.3): a table over stage throttles, method settings, usage plans and regions."""

from __future__ import annotations

from typing import Any

import pytest
from apigwc.runtime.pipeline.plan import ApiSettings, RouteEntry
from apigwc.runtime.traffic.limits import stage_limits, throttled

KEY_ID = "k1"


def _api(
    stage: dict[str, Any], plan: dict[str, Any] | None = None, region: str = "us-east-1"
) -> ApiSettings:
    data: dict[str, Any] = {
        "protocol": "REST",
        "title": "t",
        "apiId": "a1",
        "deploymentId": "d1",
        "region": region,
        "account": "123456789012",
        "defaultStage": "dev",
        "stages": {"dev": {"variables": {}} | stage},
        "functions": {},
        "apiKeys": {"gold": {"id": KEY_ID, "value": "v" * 20, "enabled": True, "stages": ["dev"]}},
    }
    if plan is not None:
        data["usagePlans"] = {"p": {"id": "p1", "stages": ["dev"], "apiKeys": ["gold"]} | plan}
    return ApiSettings.from_data(data)


def _route(path: str = "/pets", method: str = "GET", keyed: bool = True) -> RouteEntry:
    return RouteEntry(
        route_key=f"{method} {path}",
        resource_path=path,
        http_method=method,
        resource_id="r1",
        operation_name=None,
        security=("API_KEY",) if keyed else (),
        integration={"type": "MOCK"},
        validation=None,
    )


def _limits(admission: Any) -> list[tuple[str, float, int]]:
    """(level, rate, burst) of each bucket, the level read from its key."""
    names = []
    for bucket in admission.buckets:
        key = bucket.key
        level = (
            "account"
            if key.startswith("apigwc:account:")
            else (
                "plan-method"
                if ":plan:" in key and ":method:" in key
                else "plan" if ":plan:" in key else "stage-method"
            )
        )
        names.append((level, bucket.rate, bucket.burst))
    return names


ACCOUNT = ("account", 10_000.0, 5_000)
T = {"rateLimit": 5.0, "burstLimit": 10}


@pytest.mark.parametrize(
    ("stage", "route", "expected"),
    [
        # The stage's throttle is every method's default, each method its own bucket.
        ({"throttle": T}, _route(), [("stage-method", 5.0, 10), ACCOUNT]),
        # A method setting wins; a value it leaves unset is the stage's.
        (
            {"throttle": T, "methodThrottles": {"/pets/GET": {"burstLimit": 2}}},
            _route(),
            [("stage-method", 5.0, 2), ACCOUNT],
        ),
        # ... for that method only.
        (
            {"throttle": T, "methodThrottles": {"/pets/GET": {"burstLimit": 2}}},
            _route(method="POST"),
            [("stage-method", 5.0, 10), ACCOUNT],
        ),
        # A wildcard key names every method it matches; the exact key is preferred.
        (
            {"methodThrottles": {"/pets/*": {"rateLimit": 1.0, "burstLimit": 1}}},
            _route(method="DELETE"),
            [("stage-method", 1.0, 1), ACCOUNT],
        ),
        # The root resource's key is `//GET` (usage plans) or `/GET`.
        ({"methodThrottles": {"//GET": T}}, _route(path="/"), [("stage-method", 5.0, 10), ACCOUNT]),
        # No stage throttle: only the account's bucket (a method bucket as large adds nothing).
        ({}, _route(), [ACCOUNT]),
    ],
    ids=["stage", "method-setting", "other-method", "wildcard", "root", "account-only"],
)
def test_stage_levels(stage: dict[str, Any], route: RouteEntry, expected: list[Any]) -> None:
    assert _limits(stage_limits(_api(stage), route, "dev").open) == expected


def test_a_usage_plan_comes_first_with_its_quota_after_its_buckets() -> None:
    plan = {
        "throttle": {"rateLimit": 2.0, "burstLimit": 4},
        "quota": {"limit": 100, "period": "WEEK", "offset": 0},
        "methodThrottles": {"/pets/GET": {"burstLimit": 1}},
    }
    limits = stage_limits(_api({"throttle": T}, plan), _route(), "dev")
    admission = limits.plans[KEY_ID].admission(1_765_000_000.0)
    assert _limits(admission) == [
        ("plan-method", 2.0, 1),  # its unset rate is the plan's
        ("plan", 2.0, 4),
        ("stage-method", 5.0, 10),
        ACCOUNT,
    ]
    assert admission.quota_at == 2 and admission.quota is not None
    assert admission.quota.end - admission.quota.start == 7 * 86_400
    # The plan's bucket is per key, shared by its stages: no stage in its key.
    assert ":dev:" not in admission.buckets[1].key and ":dev:" in admission.buckets[0].key


def test_a_method_without_a_key_requirement_never_meets_the_plan() -> None:
    plan = {"throttle": {"rateLimit": 2.0, "burstLimit": 4}}
    limits = stage_limits(_api({}, plan), _route(keyed=False), "dev")
    assert limits.plans == {}


@pytest.mark.parametrize(
    ("region", "account"), [("eu-south-1", (2_500.0, 1_250)), ("eu-west-1", (10_000.0, 5_000))]
)
def test_the_account_default_by_region(region: str, account: tuple[float, int]) -> None:
    (bucket,) = stage_limits(_api({}, region=region), _route(), "dev").open.buckets
    assert (bucket.rate, bucket.burst) == account
    assert bucket.key == f"apigwc:account:123456789012:{region}"


def test_an_api_with_no_throttle_and_no_plan_needs_no_step() -> None:
    assert not throttled(_api({}))
    assert throttled(_api({"throttle": T})) and throttled(_api({}, {}))
