"""The rest-api connector against a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import copy
import json
import time

import pytest
from connector_support import materialize, recorded
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "s3cret-token"


@pytest.fixture
def rest(project_module, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch):
    module = project_module("connectors.rest_api")
    monkeypatch.setenv("API_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("API_TOKEN", TOKEN)
    waits: list[float] = []
    monkeypatch.setattr(module, "_sleep", waits.append)  # retries do not really wait
    module.waits = waits
    return module


def endpoint(rest, **options):
    return rest.Endpoint(base_url_env="API_BASE_URL", auth=rest.BearerToken("API_TOKEN"), **options)


def records(start: int, count: int) -> list[dict]:
    return [{"id": n, "name": f"n{n}"} for n in range(start, start + count)]


# ---------------------------------------------------------------- pagination


def test_page_numbers_in_order(rest, httpserver):
    for page, rows in ((1, records(1, 3)), (2, records(4, 3)), (3, records(7, 1))):
        httpserver.expect_ordered_request(
            "/v1/items",
            query_string={"per_page": "3", "page": str(page)},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).respond_with_json({"data": rows})
    pagination = rest.PageNumber(size=3)
    frame = rest.read_frame(
        endpoint(rest, path="/items", records_path="data", pagination=pagination)
    )
    assert frame["id"].to_list() == list(range(1, 8))
    httpserver.check_assertions()


def test_offsets_in_order(rest, httpserver):
    for offset, rows in ((0, records(1, 2)), (2, records(3, 2)), (4, [])):
        httpserver.expect_ordered_request(
            "/v1/items", query_string={"limit": "2", "offset": str(offset)}
        ).respond_with_json(rows)
    frame = rest.read_frame(endpoint(rest, path="items", pagination=rest.Offset(limit=2)))
    assert frame["id"].to_list() == [1, 2, 3, 4]
    httpserver.check_assertions()


def test_cursors_in_order(rest, httpserver):
    pages = [(None, records(1, 2), "c2"), ("c2", records(3, 2), "c3"), ("c3", records(5, 1), None)]
    for cursor, rows, following in pages:
        query = {"cursor": cursor} if cursor else {}
        httpserver.expect_ordered_request("/v1/items", query_string=query).respond_with_json(
            {"items": rows, "meta": {"next": following}}
        )
    pagination = rest.Cursor(cursor_path="meta.next", param="cursor")
    frame = rest.read_frame(
        endpoint(rest, path="items", records_path="items", pagination=pagination)
    )
    assert frame["id"].to_list() == [1, 2, 3, 4, 5]


def test_link_headers_in_order(rest, httpserver):
    next_page = httpserver.url_for("/v1/items") + "?after=2"
    httpserver.expect_ordered_request("/v1/items", query_string="").respond_with_json(
        records(1, 2), headers={"Link": f'<{next_page}>; rel="next", <{next_page}>; rel="last"'}
    )
    httpserver.expect_ordered_request("/v1/items", query_string="after=2").respond_with_json(
        records(3, 1)
    )
    frame = rest.read_frame(endpoint(rest, path="items", pagination=rest.LinkHeader()))
    assert frame["id"].to_list() == [1, 2, 3]


def test_a_link_to_another_host_is_refused(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_json(
        records(1, 1), headers={"Link": '<http://127.0.0.2:9/steal>; rel="next"'}
    )
    with pytest.raises(rest.RestApiError, match="another host"):
        rest.read_frame(endpoint(rest, path="items", pagination=rest.LinkHeader()))


def test_pages_whose_fields_differ_are_aligned(rest, httpserver):
    httpserver.expect_ordered_request("/v1/items", query_string={"page": "1"}).respond_with_json(
        [{"id": 1}]
    )
    httpserver.expect_ordered_request("/v1/items", query_string={"page": "2"}).respond_with_json(
        [{"id": 2.5, "extra": {"a": 1}}]
    )
    httpserver.expect_ordered_request("/v1/items", query_string={"page": "3"}).respond_with_json([])
    pagination = rest.PageNumber(size_param=None)
    frame = rest.read_frame(endpoint(rest, path="items", pagination=pagination))
    assert frame["id"].to_list() == [1.0, 2.5]
    assert frame["extra"].to_list() == [None, {"a": 1}]


# ---------------------------------------------------------------- retries and errors


def test_a_429_is_retried_after_the_time_it_asks(rest, httpserver):
    httpserver.expect_ordered_request("/v1/items").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/v1/items").respond_with_json(records(1, 2))
    frame = rest.read_frame(endpoint(rest, path="items"))
    assert frame.height == 2
    assert rest.waits == [3.0]


def test_5xx_answers_are_retried_with_growing_backoff_then_fail(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_data("down", status=503)
    retry = rest.Retry(attempts=4, backoff=1.0, max_wait=60)
    with pytest.raises(rest.RestApiError) as caught:
        rest.read_frame(endpoint(rest, path="items", retry=retry))
    assert str(caught.value).endswith("answered 503 (SERVICE UNAVAILABLE) after 4 attempts.")
    assert len(rest.waits) == 3
    assert [0.5 <= wait / 2**i <= 1.0 for i, wait in enumerate(rest.waits)] == [True] * 3
    assert len(httpserver.log) == 4


def test_a_retry_after_beyond_max_wait_stops(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    with pytest.raises(rest.RestApiError, match="retry after 3600 s, longer than max_wait=60 s"):
        rest.read_frame(endpoint(rest, path="items"))
    assert rest.waits == []


def test_a_timeout_is_retried(rest, httpserver):
    calls = []

    def slow_then_fast(request: Request) -> Response:
        calls.append(request)
        if len(calls) == 1:
            time.sleep(2.0)
        return Response(json.dumps(records(1, 1)), content_type="application/json")

    httpserver.expect_request("/v1/items").respond_with_handler(slow_then_fast)
    frame = rest.read_frame(endpoint(rest, path="items", timeout=0.5))
    assert frame.height == 1
    assert len(calls) >= 2  # the first timed out; a busy machine may time out more


def test_a_401_is_a_clear_error_without_the_secret(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_data("no", status=401)
    with pytest.raises(rest.RestApiError) as caught:
        rest.read_frame(endpoint(rest, path="items", params={"q": "x"}))
    assert str(caught.value) == (
        f"GET {httpserver.url_for('/v1/items')} answered 401 (UNAUTHORIZED): check API_TOKEN."
    )
    assert len(httpserver.log) == 1  # not retried


def test_an_api_key_in_the_query_never_appears_in_errors(rest, httpserver, monkeypatch):
    monkeypatch.setenv("API_KEY", "key-123")
    httpserver.expect_request("/v1/items", query_string={"api_key": "key-123"}).respond_with_data(
        "boom", status=500
    )
    auth = rest.ApiKey("API_KEY", name="api_key", location="query")
    api = rest.Endpoint(base_url_env="API_BASE_URL", path="items", auth=auth)
    with pytest.raises(rest.RestApiError) as caught:
        rest.read_frame(api)
    assert "key-123" not in str(caught.value)
    assert "500" in str(caught.value)


def test_a_malformed_body_is_a_clear_error(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    with pytest.raises(rest.RestApiError, match=r"not JSON \(it starts '<html>maintenance"):
        rest.read_frame(endpoint(rest, path="items"))


def test_records_that_are_not_a_list_are_a_clear_error(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_json({"data": {"id": 1}})
    with pytest.raises(rest.RestApiError, match="are dict, not a list: fix records_path"):
        rest.read_frame(endpoint(rest, path="items", records_path="data"))
    with pytest.raises(rest.RestApiError, match=r"has no 'results' \(at 'results', found: data\)"):
        rest.read_frame(endpoint(rest, path="items", records_path="results"))


# ---------------------------------------------------------------- authentication and inputs


def test_basic_auth_and_header_api_keys(rest, httpserver, monkeypatch):
    monkeypatch.setenv("API_USER", "ann")
    monkeypatch.setenv("API_PASSWORD", "pw")
    monkeypatch.setenv("API_KEY", "k")
    httpserver.expect_ordered_request(
        "/v1/items", headers={"Authorization": "Basic YW5uOnB3"}
    ).respond_with_json([])
    httpserver.expect_ordered_request("/v1/items", headers={"X-API-Key": "k"}).respond_with_json([])
    for auth in (rest.BasicAuth("API_USER", "API_PASSWORD"), rest.ApiKey("API_KEY")):
        rest.read_frame(rest.Endpoint(base_url_env="API_BASE_URL", path="items", auth=auth))
    httpserver.check_assertions()


def test_the_callers_arguments_are_never_changed(rest, httpserver):
    httpserver.expect_request("/v1/items").respond_with_json(records(1, 1))
    params, headers = {"q": ["a", "b"]}, {"X-Trace": "1"}
    kept = copy.deepcopy((params, headers))
    api = endpoint(rest, path="items", params=params, headers=headers)
    pagination = rest.PageNumber(size=5)
    rest.read_frame(rest.Endpoint(**{**api.__dict__, "pagination": pagination}))
    wider = api.with_params(since="2024")
    assert (params, headers) == kept
    assert api.params == {"q": ["a", "b"]} and wider.params == {"q": ["a", "b"], "since": "2024"}


def test_a_missing_setting_names_the_variable(rest, monkeypatch):
    monkeypatch.delenv("API_TOKEN")
    with pytest.raises(RuntimeError, match=r"^The environment variable API_TOKEN is not set"):
        rest.read_frame(endpoint(rest, path="items"))


# ---------------------------------------------------------------- the asset


def test_the_asset_lands_in_bronze_without_secrets(
    project_module, rest, httpserver, instance, tmp_path, monkeypatch
):
    asset_module = project_module("defs.bronze.orders")
    monkeypatch.setenv("ORDERS_API_BASE_URL", httpserver.url_for("/"))
    monkeypatch.setenv("ORDERS_API_TOKEN", TOKEN)
    httpserver.expect_request("/orders").respond_with_json(records(1, 42))
    result = materialize(asset_module.bronze_orders, instance, tmp_path)
    metadata = recorded(result, "bronze_orders")
    assert metadata["dagster/row_count"] == 42
    assert metadata["source"] == httpserver.url_for("/orders")
    assert TOKEN not in json.dumps({k: str(v) for k, v in metadata.items()})
