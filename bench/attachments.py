"""What attaching costs: the time to read and check a file (median of N), what is sent, and how much
the history grows when a conversation holding a PDF goes on for several turns.

    python bench/attachments.py [--repeat 5] [--pdf-mb 2] [--turns 5]

Files are made here: a 6000×4000 photo (JPEG, noisy, EXIF-rotated), a 2400×1600 screenshot (PNG), a
PDF of the size asked (its pages padded with random bytes), a 500 KB source file. The turns run the
app's chat session (real SDK, real SQLite) against the loopback API.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claude_textual.config import Settings  # noqa: E402
from claude_textual.core import attachments  # noqa: E402
from claude_textual.core.client import make_client  # noqa: E402
from claude_textual.session.chat import ChatSession, NeedsCount, Ready  # noqa: E402
from tests.conftest import ScriptedAPI, fixture_reply  # noqa: E402
from tests.files import pdf, png  # noqa: E402


def photo(path: Path) -> Path:
    from PIL import Image

    image = Image.frombytes("RGB", (6000, 4000), os.urandom(6000 * 4000 * 3)).resize((6000, 4000))
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", quality=85, exif=exif)
    return path


def timed(path: Path, repeat: int) -> tuple[float, attachments.Attachment]:
    times, attached = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        attached = attachments.read(path)
        times.append(time.perf_counter() - start)
    assert attached is not None
    return statistics.median(times), attached


async def growth(folder: Path, paper: Path, turns: int) -> tuple[int, int]:
    """The database's size after ``turns`` turns of a conversation whose first prompt attached ``paper``."""
    settings = Settings(model="claude-test", max_retries=0, thinking="off")
    folder.mkdir(exist_ok=True)
    db = folder / "history.db"
    with ScriptedAPI() as api:
        client = make_client(settings, api_key="sk-bench", base_url=api.url)

        async def connect():
            return client

        session = ChatSession(
            settings, connect=connect, tools=lambda: None, cache=folder / "m.json", catalogue_key=api.url
        )
        await session.open_store(db)
        for turn in range(turns):
            files = (attachments.read(paper),) if turn == 0 else ()
            api.then(fixture_reply("docs_basic_text.sse"))
            plan = await session.plan_send(f"turn {turn}", attachments=files)
            if isinstance(plan, NeedsCount):
                plan = await session.plan_send(
                    f"turn {turn}", attachments=files, fit=await session.count(f"turn {turn}", files)
                )
            assert isinstance(plan, Ready), plan
            async for _ in session.run(plan):
                pass
        await session.close()
    return db.stat().st_size, paper.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pdf-mb", type=float, default=2.0)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "module.py"
        source.write_text("def f(x):\n    return x * 2  # a line of code\n" * 11_000)
        files = {
            "photo 6000×4000 JPEG": photo(folder / "photo.jpg"),
            "screenshot 2400×1600 PNG": png(folder / "shot.png", 2400, 1600),
            f"PDF {args.pdf_mb:g} MB, 20 pages": pdf(folder / "paper.pdf", 20, pad=int(args.pdf_mb * 1e6)),
            "source file": source,
        }
        print(f"{'file':28} {'on disk':>10} {'sent':>10} {'read (median)':>14}  what is sent")
        for label, path in files.items():
            seconds, attached = timed(path, args.repeat)
            print(
                f"{label:28} {attachments.human_size(path.stat().st_size):>10} "
                f"{attachments.human_size(len(attached.data)):>10} {seconds * 1000:>11.0f} ms  {attached.chip()}"
            )
        paper = files[f"PDF {args.pdf_mb:g} MB, 20 pages"]
        db_size, size = asyncio.run(growth(folder / "db", paper, args.turns))
        print(
            f"\nhistory after {args.turns} turns with the PDF attached once: "
            f"{attachments.human_size(db_size)} = {db_size / size:.2f}× the PDF"
        )


if __name__ == "__main__":
    main()
