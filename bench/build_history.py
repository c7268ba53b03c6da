"""Build a large history database for benchmarks: N conversations, M messages, one very long one.

    python bench/build_history.py PATH [--conversations 10000] [--messages 500000] [--longest 1000]

Rows go in with plain SQL in one transaction (the store's own triggers keep search current), on a
database created and migrated by the app itself, so the schema is the real one.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    f"{a}{b}"
    for a in (
        "al",
        "be",
        "co",
        "de",
        "ex",
        "fo",
        "ga",
        "hy",
        "in",
        "ju",
        "ka",
        "lo",
        "mi",
        "no",
        "op",
        "pa",
        "qu",
        "ro",
        "si",
        "tu",
        "ul",
        "ve",
        "wa",
        "xy",
        "yo",
        "ze",
    )
    for b in (
        "ment",
        "tion",
        "ly",
        "ness",
        "ing",
        "er",
        "ous",
        "able",
        "ity",
        "ism",
        "ize",
        "ward",
        "ful",
        "less",
        "ship",
        "hood",
        "dom",
        "ery",
        "ette",
        "ine",
    )
]
SENTINEL = "END-OF-LONGEST"
"""The last message of the longest conversation ends with this, so a benchmark can see it painted."""
CODE = "```python\ndef handler(event):\n    return {'status': 200, 'body': event['payload']}\n```"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(path: Path, conversations: int, messages: int, longest: int, seed: int = 7) -> dict[str, object]:
    from claude_textual.store.history import History

    path.parent.mkdir(parents=True, exist_ok=True)
    History(path).close()  # create and migrate with the app's own code
    rng = random.Random(seed)
    others = max(1, conversations - 1)
    counts = [max(2, (messages - longest) // others)] * (conversations - 1) + [longest]
    for i in range(max(0, messages - sum(counts))):
        counts[i % others] += 1
    start = datetime(2024, 1, 1, tzinfo=UTC)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    conn = sqlite3.connect(path)
    began = time.perf_counter()
    longest_id = ""
    with conn:
        for c, count in enumerate(counts):
            conv_id = uuid.UUID(int=rng.getrandbits(128)).hex
            created = start + timedelta(minutes=c * 7)
            updated = created + timedelta(minutes=count)
            title = sentence(rng, 5)[:60]
            conn.execute(
                "INSERT INTO conversation (id, title, model, system, created_at, updated_at, archived, "
                "message_count) VALUES (?, ?, ?, '', ?, ?, 0, ?)",
                (conv_id, title, "claude-sonnet-4-6", created.strftime(fmt), updated.strftime(fmt), count),
            )
            message_rows, block_rows, usage_rows = [], [], []
            parent = None  # one branch: each message follows the one before
            for seq in range(count):
                msg_id = uuid.UUID(int=rng.getrandbits(128)).hex
                role = "user" if seq % 2 == 0 else "assistant"
                when = (created + timedelta(seconds=seq * 30)).strftime(fmt)
                message_rows.append(
                    (
                        msg_id,
                        conv_id,
                        seq,
                        parent,
                        role,
                        None if role == "user" else "claude-sonnet-4-6",
                        None if role == "user" else "end_turn",
                        "complete",
                        when,
                        when,
                    )
                )
                parent = msg_id
                if role == "user":
                    blocks = [{"type": "text", "text": sentence(rng, rng.randint(6, 20))}]
                else:
                    text = " ".join(sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(2, 5)))
                    blocks = [{"type": "text", "text": text + ("\n\n" + CODE if seq % 7 == 1 else "")}]
                    if seq % 5 == 1:
                        blocks.insert(
                            0, {"type": "thinking", "thinking": sentence(rng, 12), "signature": "sig"}
                        )
                    usage = {"input_tokens": 100 + seq * 40, "output_tokens": len(text) // 4}
                    usage_rows.append(
                        (
                            msg_id,
                            conv_id,
                            "req_bench",
                            "claude-sonnet-4-6",
                            usage["input_tokens"],
                            usage["output_tokens"],
                            json.dumps(usage),
                            when,
                        )
                    )
                if count == longest and seq == count - 1:
                    blocks[-1]["text"] += "\n\n" + SENTINEL
                for idx, block in enumerate(blocks):
                    block_rows.append((msg_id, idx, block["type"], json.dumps(block)))
            conn.executemany(
                "INSERT INTO message (id, conversation_id, seq, parent_id, role, model, stop_reason, status, extra, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
                message_rows,
            )
            conn.execute("UPDATE conversation SET leaf_id = ? WHERE id = ?", (parent, conv_id))
            conn.executemany(
                "INSERT INTO block (message_id, idx, type, data) VALUES (?, ?, ?, ?)", block_rows
            )
            conn.executemany(
                "INSERT INTO usage (message_id, conversation_id, request_id, model, input_tokens, output_tokens, "
                "cache_creation_input_tokens, cache_read_input_tokens, web_search_requests, web_fetch_requests, "
                "raw, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?)",
                usage_rows,
            )
            if count == longest:
                longest_id = conv_id
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {
        "path": str(path),
        "conversations": conversations,
        "messages": sum(counts),
        "longest_id": longest_id,
        "seconds": round(time.perf_counter() - began, 1),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--longest", type=int, default=1_000)
    args = parser.parse_args()
    print(json.dumps(build(args.path, args.conversations, args.messages, args.longest)))


if __name__ == "__main__":
    main()
