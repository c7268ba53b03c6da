"""`claude-textual usage`: what the history's API calls used and cost, from a plain shell, equal to
the sums over the JSON exports of the same history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from claude_textual.cli import main
from claude_textual.core.model import Message, Usage, user_text_message

FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def reply(history, conversation_id: str, model: str, when: datetime, raw: dict) -> None:
    history.add_message(conversation_id, user_text_message("hi"))
    message = history.add_message(conversation_id, Message("assistant", [{"type": "text", "text": "ok"}]))
    history.add_usage(message, Usage(raw=raw, model=model, created_at=when))


@pytest.fixture
def spent(history):
    """Three conversations over three days: two priced models, one without a price."""
    raw = {
        "input_tokens": 300,
        "output_tokens": 1200,
        "cache_creation_input_tokens": 1500,
        "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000},
        "cache_read_input_tokens": 20_000,
        "server_tool_use": {"web_search_requests": 2},
    }
    a = history.create_conversation("Sea", "claude-sonnet-5-5").id
    b = history.create_conversation("Sky", "claude-opus-5").id
    c = history.create_conversation("Private", "my-gateway-model").id
    reply(history, a, "claude-sonnet-5-5", datetime(2026, 11, 1, 10, tzinfo=UTC), raw)
    reply(history, a, "claude-sonnet-5-5", datetime(2026, 11, 2, 10, tzinfo=UTC), raw)
    reply(
        history,
        b,
        "claude-opus-5",
        datetime(2026, 11, 2, 11, tzinfo=UTC),
        {"input_tokens": 9, "output_tokens": 9},
    )
    reply(history, c, "my-gateway-model", datetime(2026, 11, 3, 9, tzinfo=UTC), raw)
    return [a, b, c]


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_usage_json_equals_the_sums_over_the_json_exports(spent, db_path, capsys):
    records = []
    for conversation_id in spent:
        code, out = run(capsys, "export", conversation_id, "--format", "json", "--db", str(db_path))
        assert code == 0
        records += [m["usage"] for m in json.loads(out)["messages"] if m["usage"]]
    assert len(records) == 4

    code, out = run(capsys, "usage", "--json", "--db", str(db_path))
    assert code == 0
    usage = json.loads(out)
    priced = [r for r in records if r["cost_usd"] is not None]
    total = usage["total"]
    for field in FIELDS:
        assert total[field] == sum(r.get(field, 0) for r in records)
    assert total["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in priced))
    assert total["unpriced_records"] == len(records) - len(priced) == 1

    by_model = {g["model"]: g for g in usage["by_model"]}
    assert set(by_model) == {"claude-sonnet-5-5", "claude-opus-5", "my-gateway-model"}
    assert by_model["my-gateway-model"]["cost_usd"] is None, "a model without a price has no cost, not 0"
    for model, group in by_model.items():
        mine = [r for r in records if r["model"] == model]
        assert group["input_tokens"] == sum(r["input_tokens"] for r in mine)
        if group["cost_usd"] is not None:
            assert group["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in mine))
    assert [d["day"] for d in usage["by_day"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert sum(d["cost_usd"] or 0 for d in usage["by_day"]) == pytest.approx(total["cost_usd"])
    assert usage["prices"].startswith("genai-prices ")


def test_a_price_override_in_the_config_prices_the_private_model(spent, db_path, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[prices."my-gateway-model"]\ninput = 1\noutput = 2\ncache_write_1h = 3\n')
    code, out = run(capsys, "usage", "--json", "--db", str(db_path), "--config", str(config))
    assert code == 0
    by_model = {g["model"]: g for g in json.loads(out)["by_model"]}
    # 300 in, 500 5-minute writes at 1.25, 1,000 1-hour writes at 3, 20,000 reads at 0.1, 1,200 out at 2,
    # 2 web searches at $10 a thousand
    expected = (300 * 1 + 500 * 1.25 + 1000 * 3 + 20_000 * 0.1 + 1200 * 2) / 1e6 + 2 * 10 / 1000
    assert by_model["my-gateway-model"]["cost_usd"] == pytest.approx(expected)


def test_usage_since_and_by_conversation_in_plain_text(spent, db_path, capsys):
    code, out = run(capsys, "usage", "--since", "2026-11-02", "--by", "conversation", "--db", str(db_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Usage, since 2026-11-02") and "genai-prices" in lines[0]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert {"Sea", "Sky", "Private", "total"} <= set(rows)
    assert rows["Private"].rstrip().endswith("cost unknown")
    assert rows["total"].split()[1] == "3", "three calls since the 2nd"
    assert "1 call(s) of models without a known price" in out

    code, out = run(
        capsys, "usage", "--json", "--since", "2026-11-02", "--by", "conversation", "--db", str(db_path)
    )
    data = json.loads(out)
    assert data["total"]["records"] == 3 and {c["title"] for c in data["by_conversation"]} == {
        "Sea",
        "Sky",
        "Private",
    }


def test_a_bad_day_is_refused_with_a_message(db_path, capsys):
    with pytest.raises(SystemExit):
        main(["usage", "--since", "yesterday", "--db", str(db_path)])
    assert "expected a day as YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_exports_show_each_replys_cost_and_the_total(spent, db_path, capsys, fmt):
    code, out = run(capsys, "export", spent[0], "--format", fmt, "--db", str(db_path))
    assert code == 0
    code, usage = run(capsys, "usage", "--json", "--by", "conversation", "--db", str(db_path))
    (mine,) = [c for c in json.loads(usage)["by_conversation"] if c["conversation_id"] == spent[0]]
    from claude_textual.core.describe import money

    each = mine["cost_usd"] / 2  # two identical replies
    assert out.count(money(each)) >= 2, "each reply's footer shows its cost"
    assert money(mine["cost_usd"]) in out and "genai-prices" in out, "the totals show the cost and its prices"
    assert "cache write 1,500 (1 h 1,000)" in out
