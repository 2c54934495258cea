"""Every error, on every route (FastAPI's own included), leaves in the surface's JSON error shape:
wrong methods, unknown paths, malformed query strings, and dates at the ends of the calendar."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import assert_openai_error
from tests.support.gateway import RunningGateway


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/docs"),
        ("DELETE", "/openapi.json"),
        ("PUT", "/docs/oauth2-redirect"),
        ("POST", "/health/live"),
        ("PUT", "/v1/models"),
    ],
)
def test_a_wrong_method_on_any_route_is_a_json_405_naming_the_allowed_ones(
    shared_gateway: RunningGateway, method: str, path: str
) -> None:
    response = httpx.request(method, f"{shared_gateway.base_url}{path}", headers=shared_gateway.headers())

    error = assert_openai_error(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize("path", ["/nope", "/docs/nope", "/admin/nope", "/health/nope", "/v1/nope"])
def test_an_unknown_path_is_a_json_404(shared_gateway: RunningGateway, path: str) -> None:
    response = httpx.get(f"{shared_gateway.base_url}{path}", headers=shared_gateway.headers())

    assert assert_openai_error(response, 404)["type"] == "not_found_error"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("/admin/usage/totals?limit=%ff", "limit"),
        ("/admin/usage/totals?start=2024-13-45", "start"),
        ("/admin/usage/daily?groups=1e3", "groups"),
        ("/admin/usage/records?start=yesterday", "start"),
        ("/admin/usage/records?errors_only=%00", "errors_only"),
        ("/admin/keys?include_revoked=%ff", "include_revoked"),
    ],
)
def test_a_malformed_query_string_is_a_json_400_naming_the_parameter(
    shared_gateway: RunningGateway, query: str, param: str
) -> None:
    response = httpx.get(f"{shared_gateway.base_url}{query}", headers=shared_gateway.headers())

    assert assert_openai_error(response, 400)["param"] == param


@pytest.mark.parametrize("report", ["totals", "daily"])
def test_usage_up_to_the_first_day_of_the_calendar_starts_on_that_day(
    shared_gateway: RunningGateway, report: str
) -> None:
    response = httpx.get(
        f"{shared_gateway.base_url}/admin/usage/{report}",
        params={"end": "0001-01-01"},
        headers=shared_gateway.headers(),
    )

    assert response.status_code == 200, response.text
    assert (response.json()["start"], response.json()["end"]) == ("0001-01-01", "0001-01-01")


@pytest.mark.parametrize(
    "params",
    [
        {"start": "0001-01-01T00:00:00+01:00"},  # an hour before the calendar begins, in UTC
        {"end": "9999-12-31T23:59:59-01:00"},  # an hour after it ends
        {"start": "0001-01-01T00:00:00+01:00", "end": "9999-12-31T23:59:59-01:00"},
    ],
)
def test_usage_records_between_times_beyond_the_calendar_are_the_records_within_it(
    shared_gateway: RunningGateway, params: dict[str, str]
) -> None:
    response = httpx.get(
        f"{shared_gateway.base_url}/admin/usage/records", params=params, headers=shared_gateway.headers()
    )

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["rows"], list)
