"""Attached files through the chat use-cases: the real SDK, the loopback API (which checks images and
PDFs as the API does, ``tests/model_rules.py``), real SQLite."""

from __future__ import annotations

import base64
import io
import os
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from claude_textual.core import attachments
from claude_textual.core.capabilities import Capabilities
from claude_textual.session.chat import ChatSession, NeedsCount, Ready, Refused
from claude_textual.store.history import History
from tests.conftest import ScriptedAPI, fixture_reply
from tests.files import pdf, png, rotated_jpeg


async def send(session: ChatSession, api: ScriptedAPI, text: str, *files: attachments.Attachment) -> Ready:
    api.then(fixture_reply("docs_basic_text.sse"))
    plan = await session.plan_send(text, attachments=files)
    if isinstance(plan, NeedsCount):  # as the screen does: count, then plan again
        fit = await session.count(text, files)
        plan = await session.plan_send(text, attachments=files, fit=fit)
    assert isinstance(plan, Ready), plan
    async for _ in session.run(plan):
        pass
    return plan


def messages_sent(api: ScriptedAPI) -> list[list[dict]]:
    """Each Messages request's messages (count requests left out)."""
    return [r.body["messages"] for r in api.requests if r.path.endswith("/v1/messages")]


def media(content: list[dict]) -> list[dict]:
    return [b for b in content if b["type"] in ("image", "document")]


async def test_the_request_carries_the_files_as_the_api_takes_them_and_the_next_turn_again(
    session, api, db_path, tmp_path
):
    await session.open_store(db_path)
    photo = attachments.read(rotated_jpeg(tmp_path / "photo.jpg", 3000, 2000))  # turned: 2000 wide
    paper = pdf(tmp_path / "paper.pdf", pages=3, pad=10_000)
    notes = tmp_path / "notes.py"
    notes.write_text("def answer():\n    return 42  # ünïcode\n" * 50)
    files = (photo, attachments.read(paper), attachments.read(notes))
    await send(session, api, "What are these?", *files)
    await send(session, api, "And now?")

    first, second = messages_sent(api)
    image, document, text = media(first[0]["content"])
    assert first[0]["content"][-1] == {"type": "text", "text": "What are these?"}
    assert image["source"]["media_type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(base64.b64decode(image["source"]["data"])))
    assert shown.size == (1045, 1568)  # upright (the EXIF turn applied), long edge 1568
    assert document == {
        "type": "document",
        "title": "paper.pdf",
        "source": {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(paper.read_bytes()).decode(),
        },
    }
    assert text["source"] == {"type": "text", "media_type": "text/plain", "data": notes.read_text()}
    assert media(second[0]["content"]) == [image, document, text]  # sent again on the next turn
    assert second[-1]["content"][-1]["text"] == "And now?"


async def test_a_2_mb_pdf_over_five_turns_is_kept_once(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    paper = pdf(tmp_path / "big.pdf", pages=4, pad=2_000_000)
    await send(session, api, "Read this", attachments.read(paper))
    for turn in range(4):
        await send(session, api, f"and turn {turn}")
    await session.close()
    assert not Path(f"{db_path}-wal").exists()
    size = paper.stat().st_size
    assert db_path.stat().st_size < 2.5 * size, (db_path.stat().st_size, size)
    assert len(messages_sent(api)) == 5 and all(len(media(m[0]["content"])) == 1 for m in messages_sent(api))
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*), sum(size) FROM attachment").fetchone() == (1, size)


async def test_a_file_that_changes_or_vanishes_after_attaching_is_not_sent(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("first version")
    attached = attachments.read(notes)
    notes.write_text("second version, longer")
    refused = await session.plan_send("read it", attachments=(attached,))
    assert isinstance(refused, Refused) and "notes.txt changed after it was attached" in refused.reason
    notes.unlink()
    refused = await session.plan_send("read it", attachments=(attached,))
    assert isinstance(refused, Refused) and "no such file" in refused.reason and str(notes) in refused.reason
    assert api.requests == [] and not session.running
    assert await session.library.page() is not None
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM message").fetchone() == (0,)


async def test_a_model_without_image_input_says_so_before_sending(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    session.capabilities = lambda: Capabilities(frozenset({"adaptive"}), frozenset(), images=False)
    refused = await session.plan_send("look", attachments=(attachments.read(png(tmp_path / "a.png")),))
    assert isinstance(refused, Refused) and "does not take images" in refused.reason
    assert api.requests == []


async def test_more_pdf_pages_than_a_request_takes_are_refused_with_the_earlier_ones(
    session, api, db_path, tmp_path
):
    await session.open_store(db_path)
    await send(session, api, "first", attachments.read(pdf(tmp_path / "a.pdf", pages=60)))
    refused = await session.plan_send("second", attachments=(attachments.read(pdf(tmp_path / "b.pdf", 60)),))
    assert isinstance(refused, Refused) and "120 pages" in refused.reason
    assert len(messages_sent(api)) == 1


async def test_search_finds_a_file_by_name_and_a_text_file_by_its_text(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    notes = tmp_path / "quarterly-figures.md"
    notes.write_text("The zebra migration moved 1,200 km.")
    await send(
        session, api, "summarise", attachments.read(notes), attachments.read(png(tmp_path / "chart.png"))
    )
    store = History(db_path)
    try:
        assert [h.role for h in store.search("zebra migration")] == ["user"]
        assert len(store.search("chart.png")) == 1 and len(store.search("quarterly-figures")) == 1
    finally:
        store.close()


async def test_deleting_the_last_conversation_that_uses_a_file_frees_it(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    shared = attachments.read(png(tmp_path / "shared.png"))
    await send(session, api, "one", shared)
    first = session.conversation_id
    session.new()
    await send(session, api, "two", shared, attachments.read(pdf(tmp_path / "only.pdf")))
    second = session.conversation_id

    def kept() -> int:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT count(*) FROM attachment").fetchone()[0]

    assert kept() == 2
    await session.library.delete_forever(second)
    assert kept() == 1  # the PDF went; the image is still used by the first conversation
    await session.library.delete_forever(first)
    assert kept() == 0


def test_every_bad_file_is_named_with_its_reason(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "broken.png").write_bytes(png(tmp_path / "ok.png", 300, 300, noise=True).read_bytes()[:900])
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    pdf(tmp_path / "long.pdf", pages=101)
    big_pdf = tmp_path / "huge.pdf"
    with big_pdf.open("wb") as out:  # sparse: 50 MB on paper, nothing on the disk
        out.write(b"%PDF-1.7\n")
        out.truncate(50 * 1024 * 1024)
    big_image = tmp_path / "huge.png"
    with big_image.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.truncate(40 * 1024 * 1024)
    (tmp_path / "locked.txt").write_text("secret")
    (tmp_path / "locked.txt").chmod(0)
    cases = {
        "missing.txt": "no such file",
        ".": "is a directory",
        "pipe": "named pipe (FIFO)",
        "loop1": "symbolic link loop",
        "broken.png": "not a readable image",
        "blob.bin": "not an image, a PDF or UTF-8 text",
        "long.pdf": "has 101 pages",
        "huge.pdf": "is 52.4 MB: PDFs are attached up to 33.6 MB",
        "huge.png": "is 41.9 MB: images are attached up to 21.0 MB",
        "/dev/zero": "a device or socket",
    }
    if os.geteuid() != 0:  # root reads any file
        cases["locked.txt"] = "cannot be read"
    for name, reason in cases.items():
        with pytest.raises(attachments.AttachError) as caught:
            attachments.read(name, tmp_path)
        assert reason in str(caught.value) and str(attachments.resolve(name, tmp_path)) in str(caught.value)


async def test_an_edited_prompt_keeps_its_attachments(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    await send(session, api, "what is this?", attachments.read(png(tmp_path / "a.png")))
    window = await session.open(session.conversation_id)
    api.then(fixture_reply("docs_basic_text.sse"))
    plan = await session.plan_send("what colour is this?", editing=window.messages[0])
    assert isinstance(plan, Ready)
    async for _ in session.run(plan):
        pass
    edited = messages_sent(api)[-1]
    assert [b["type"] for b in edited[0]["content"]] == ["image", "text"]
    assert edited[0]["content"][0] == messages_sent(api)[0][0]["content"][0]


async def test_citations_on_request_ask_for_them_on_documents_only(session, api, db_path, tmp_path):
    await session.open_store(db_path)
    await session.save_options({"citations": True})
    notes = tmp_path / "notes.txt"
    notes.write_text("The sky is green on Tuesdays.")
    await send(session, api, "cite it", attachments.read(notes), attachments.read(png(tmp_path / "a.png")))
    text_doc, image = media(messages_sent(api)[0][0]["content"])
    assert text_doc["citations"] == {"enabled": True} and "citations" not in image
