"""The model catalogue (real SDK against the loopback ``GET /v1/models``), its cache, and the context meter."""

from __future__ import annotations

import asyncio
import json
import stat

import pytest

from claude_textual.config import Settings
from claude_textual.core import catalogue as models
from claude_textual.core.catalogue import BUILTIN, Catalogue, fetch_catalogue, read_cache
from claude_textual.core.client import make_client
from claude_textual.core.context import check_fit, meter, short, used_tokens, worth_counting
from claude_textual.core.loopback import Reply, model_info

LISTED = [model_info(f"claude-test-{n}", f"Test {n}", 100_000 * (n + 1)) for n in range(5)]


def client_for(api):
    client = make_client(Settings(timeout=10.0), api_key="sk-test", base_url=api.url)

    async def connect():
        return client

    return connect


def fetch(api, cache):
    return asyncio.run(fetch_catalogue(client_for(api), cache, api.url))


def test_lists_models_and_caches_them_private(api, tmp_path):
    api.models = LISTED
    cache = tmp_path / "cache" / "models.json"
    catalogue = fetch(api, cache)
    assert not catalogue.offline
    assert [m.id for m in catalogue.models] == [m["id"] for m in LISTED]
    assert catalogue.context_window("claude-test-2") == 300_000
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    # a second look within the TTL asks nobody
    asked = len(api.requests)
    assert fetch(api, cache) == catalogue and len(api.requests) == asked


def test_pages_are_followed(api, tmp_path):
    api.models = LISTED * 30  # 150 entries, more than one page of 100
    api.models = [dict(m, id=f"{m['id']}-{i}") for i, m in enumerate(api.models)]
    catalogue = fetch(api, tmp_path / "models.json")
    assert len(catalogue.models) == 150
    assert [r.body.get("after_id") for r in api.requests] == [None, api.models[99]["id"]]


def test_cache_expires_and_belongs_to_one_api(api, tmp_path):
    cache = tmp_path / "models.json"
    api.models = LISTED[:1]
    fetch(api, cache)
    data = json.loads(cache.read_text())
    assert read_cache(cache, api.url, data["fetched_at"] + models.CACHE_TTL - 1)
    assert read_cache(cache, api.url, data["fetched_at"] + models.CACHE_TTL) is None
    assert read_cache(cache, "https://elsewhere", data["fetched_at"]) is None
    cache.write_text("{not json")
    assert read_cache(cache, api.url, data["fetched_at"]) is None


@pytest.mark.parametrize("trouble", ["down", "error", "empty"])
def test_falls_back_to_the_builtin_list(api, tmp_path, trouble):
    if trouble == "down":
        api.stop()
    elif trouble == "error":
        api.models_reply = Reply.error(500, "api_error", "boom")
    catalogue = fetch(api, tmp_path / "models.json")
    assert catalogue.offline and catalogue.models == BUILTIN and catalogue.note
    assert not (tmp_path / "models.json").exists()


def test_context_window_lookup():
    assert Catalogue().context_window("claude-sonnet-4-6-20260101") == 200_000
    assert Catalogue().context_window("someone-elses-model") == models.DEFAULT_CONTEXT_WINDOW
    listed = Catalogue((models.ModelChoice("x", "X", 1_000_000),), offline=False)
    assert listed.context_window("x") == 1_000_000


# the meter and the count before sending ---------------------------------------------------------


def test_meter_figures():
    usage = {
        "input_tokens": 10_000,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 200,
        "output_tokens": 100,
        "server_tool_use": {"web_search_requests": 1},
    }
    assert used_tokens(usage) == 12_300
    assert meter(12_300, 200_000) == "ctx 12.3k/200k 6%"
    assert (short(950), short(1_000_000)) == ("950", "1M")


def test_what_is_worth_counting():
    assert not worth_counting("hello", 0, 200_000)
    assert worth_counting("x" * 100_001, 0, 1_000_000)  # over 100 KB
    assert worth_counting("x" * 40_000, 0, 30_000)  # about 10k tokens, a third of the window
    assert worth_counting("hello", 160_000, 200_000)  # the conversation is near full


PARAMS = {
    "model": "claude-test",
    "max_tokens": 1000,
    "stream": True,
    "messages": [{"role": "user", "content": [{"type": "text", "text": "big"}]}],
    "tools": [{"type": "web_search_20250305", "name": "web_search"}],
}


def count(api, window):
    return asyncio.run(check_fit(client_for(api), PARAMS, window))


def test_count_tokens_gets_the_request_without_max_tokens_and_server_tools(api):
    """count_tokens refuses server tools (the loopback server refuses them as the API does): they are
    left out of the count, and the note says so."""
    api.counter = lambda body: Reply.json({"input_tokens": 5000})
    fit = count(api, 200_000)
    assert fit.fits and fit.input_tokens == 5000 and "leaves out the server tools" in fit.note
    (request,) = api.requests
    assert request.path == "/v1/messages/count_tokens"
    assert request.body == {k: v for k, v in PARAMS.items() if k not in ("max_tokens", "stream", "tools")}


def test_too_big_does_not_fit(api):
    api.counter = lambda body: Reply.json({"input_tokens": 199_500})
    fit = count(api, 200_000)
    assert not fit.fits and "199,500" in fit.note and "200,000" in fit.note and "still in the box" in fit.note


def test_count_failure_sends_anyway_with_a_note(api):
    api.counter = lambda body: Reply.error(500, "api_error", "counting is down")
    fit = count(api, 200_000)
    assert fit.fits and "sent anyway" in fit.note and "counting is down" in fit.note
