"""End to end: ``claude-textual serve`` runs the app in a browser tab (textual-serve), loaded here in
headless Chromium driven over the DevTools protocol; and it refuses an address other machines reach
unless told (there is no login)."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_tmux import base_env, installed_command

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]
DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else "serve exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("serve did not listen")


def drawn_app(png: bytes) -> bool:
    """The page shows the app, not textual-serve's loading splash: the status bar and the footer's keys,
    light text, fill the bottom tenth of the page, where the splash has only dim grid dots."""
    from PIL import Image

    band = Image.open(io.BytesIO(png)).convert("L")
    width, height = band.size
    band = band.crop((0, int(height * 0.9), width, height))
    bright = band.point(lambda v: 255 if v > 150 else 0).histogram()[255]
    return bright > 0.02 * band.width * band.height


async def screenshot_when_drawn(url: str, profile: Path) -> bytes:
    """Open ``url`` in headless Chromium and return a screenshot once the app is drawn."""
    import aiohttp

    browser = subprocess.Popen(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,800",
            url,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert browser.stderr is not None
        for line in browser.stderr:
            if found := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
                break
        else:
            raise AssertionError("chromium did not start its DevTools endpoint")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{found.group(1)}/json/list") as reply:
                page = next(p for p in await reply.json() if p["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 1_000_000))

                async def call(method: str, **params: object) -> dict:
                    ident = next(ids)
                    await ws.send_json({"id": ident, "method": method, "params": params})
                    while (message := await ws.receive_json()).get("id") != ident:
                        pass
                    assert "result" in message, message
                    return message["result"]

                deadline = time.monotonic() + DEADLINE
                while time.monotonic() < deadline:
                    shot = base64.b64decode((await call("Page.captureScreenshot", format="png"))["data"])
                    if drawn_app(shot):
                        return shot
                    await asyncio.sleep(0.25)
                raise AssertionError("the app was never drawn in the page")
    finally:
        browser.kill()
        browser.wait()


def test_serve_shows_the_app_in_a_browser(tmp_path):
    (tmp_path / "home").mkdir()
    env = base_env(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [installed_command(), "serve", "--port", str(port), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_listening(port, server)
        shot = asyncio.run(screenshot_when_drawn(f"http://127.0.0.1:{port}/", tmp_path / "profile"))
        (tmp_path / "served.png").write_bytes(shot)
        deadline = time.monotonic() + DEADLINE  # the tab's own app process opened the history
        while not (tmp_path / "h.db").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (tmp_path / "h.db").exists()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"open http://127.0.0.1:{port}" in output and "ssh -N -L" in output


def test_serve_refuses_an_address_others_reach_without_public(tmp_path):
    (tmp_path / "home").mkdir()
    result = subprocess.run(
        [installed_command(), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=base_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no login" in result.stderr and "ssh -N -L" in result.stderr and "--public" in result.stderr
