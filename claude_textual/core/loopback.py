"""A Messages API server on loopback: the offline demo's backend and the tests' stand-in for the API.

A *responder* turns each ``POST /v1/messages`` body into a :class:`Reply`: a status, headers and a
body given as pieces — bytes to send, a float to pause that many seconds, or :data:`DROP` to cut the
connection there. Every request is recorded with its headers and JSON body (a GET's query as its body).

``GET /v1/models`` pages through ``models`` as the API does (``limit``, ``after_id``, ``before_id``), and
``POST /v1/messages/count_tokens`` answers with ``counter`` (by default a rough estimate); tests may
replace either, or set ``models_reply`` to answer the models list with something else (an error).
With a ``cache`` (``core/prompt_cache.py``) it keeps the prompt cache and reports its reads and writes;
breakpoints the API refuses are refused with or without one.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from claude_textual.core.capabilities import CLEARING, EFFORTS, THINKING_TYPES, Capabilities
from claude_textual.core.prompt_cache import PromptCache, with_usage
from claude_textual.core.prompt_cache import refusal as cache_refusal

DROP = object()
"""A body piece that closes the connection at once, mid-stream."""

Piece = bytes | float | object


def sse(event: str, data: dict[str, Any] | str) -> bytes:
    """One server-sent event frame."""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\ndata: {payload}\n\n".encode()


@dataclass
class Reply:
    status: int = 200
    body: Iterable[Piece] = ()
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, err_type: str, message: str, **headers: str) -> Reply:
        return cls.json({"type": "error", "error": {"type": err_type, "message": message}}, status, **headers)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(status, [json.dumps(data).encode()], {"content-type": "application/json", **headers})


def capabilities_json(caps: Capabilities) -> dict[str, Any]:
    """``caps`` in the shape of the API's ``ModelInfo.capabilities``."""

    def yes(flag: bool) -> dict[str, bool]:
        return {"supported": bool(flag)}

    return {
        "batch": yes(True),
        "citations": yes(True),
        "code_execution": yes("code_execution" in caps.server_tools),
        "context_management": {
            "supported": bool(caps.context_edits),
            **{e: yes(e in caps.context_edits) for e in CLEARING},
            "compact_20260112": yes(False),
        },
        "effort": {"supported": bool(caps.efforts), **{e: yes(e in caps.efforts) for e in EFFORTS}},
        "image_input": yes(caps.images),
        "pdf_input": yes(caps.pdfs),
        "server_tools": {
            "supported": bool(caps.server_tools),
            **{t: yes(t in caps.server_tools) for t in ("code_execution", "web_search")},
        },
        "structured_outputs": yes(True),
        "thinking": {
            "supported": bool(caps.thinking - {"disabled"}),
            "types": {t: yes(t in caps.thinking) for t in THINKING_TYPES},
        },
    }


def model_info(
    model_id: str,
    display_name: str,
    context_window: int,
    max_tokens: int = 64000,
    caps: Capabilities | None = None,
    lifecycle: str = "active",
    retires_at: str | None = None,
) -> dict[str, Any]:
    """One ``ModelInfo`` as ``GET /v1/models`` lists it (with ``capabilities`` when ``caps`` are given)."""
    info: dict[str, Any] = {
        "type": "model",
        "id": model_id,
        "display_name": display_name,
        "created_at": "2025-01-01T00:00:00Z",
        "lifecycle": lifecycle,
        "max_input_tokens": context_window,
        "max_tokens": caps.max_tokens if caps and caps.max_tokens else max_tokens,
    }
    if caps is not None:
        info["capabilities"] = capabilities_json(caps)
    if retires_at is not None:
        info["retires_at"] = f"{retires_at}T00:00:00Z"
    return info


def models_page(models: list[dict[str, Any]], query: dict[str, str]) -> Reply:
    """One page of ``models`` for ``GET /v1/models?limit=&after_id=&before_id=``."""
    ids = [m["id"] for m in models]
    limit = int(query.get("limit") or 20)
    start, end = 0, len(models)
    if query.get("after_id") in ids:
        start = ids.index(query["after_id"]) + 1
    if query.get("before_id") in ids:
        end = ids.index(query["before_id"])
        start = max(start, end - limit)
    page = models[start : min(end, start + limit)]
    return Reply.json(
        {
            "data": page,
            "has_more": start + len(page) < end,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
        }
    )


def _media_tokens(value: Any) -> tuple[Any, int]:
    """``value`` with base64 sources taken out, and about what the API counts for them: an image about
    1,600 tokens (a 1568-px edge costs up to ~3,300), a PDF about 2,000 a page."""
    if isinstance(value, list):
        parts = [_media_tokens(v) for v in value]
        return [p for p, _ in parts], sum(n for _, n in parts)
    if not isinstance(value, dict):
        return value, 0
    if value.get("type") == "base64" and isinstance(value.get("data"), str):
        if value.get("media_type") != "application/pdf":
            return None, 1600
        with contextlib.suppress(ValueError):
            raw = base64.b64decode(value["data"])
            pages = raw.count(b"/Type /Page") - raw.count(b"/Type /Pages")
            return None, 2000 * max(1, pages)
        return None, 2000
    parts = {k: _media_tokens(v) for k, v in value.items()}
    return {k: p for k, (p, _) in parts.items()}, sum(n for _, n in parts.values())


def estimate_tokens(body: dict[str, Any]) -> Reply:
    """``count_tokens`` answered with about four characters a token (images and PDFs by their size)."""
    rest, media = _media_tokens(body)
    return Reply.json({"input_tokens": max(1, len(json.dumps(rest)) // 4 + media)})


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


Responder = Callable[[dict[str, Any]], Reply]
Validator = Callable[[str, dict[str, Any], frozenset[str]], "str | None"]
"""The API's complaint about a request to a route (``messages`` or ``count_tokens``) with the betas of
its ``anthropic-beta`` header, or None."""
Editor = Callable[[dict[str, Any], frozenset[str]], "tuple[dict[str, Any], dict[str, Any]]"]
"""What the API does to a request's input before the model sees it (dropping thinking blocks, context
editing): the body the model sees, and the fields that report it (``input_transformations``,
``context_management``), for the reply's ``message_delta``."""

_DELTA = re.compile(rb"(event: message_delta\ndata: )(.*?)(\n\n)", re.S)


def with_report(pieces: Iterable[Any], report: dict[str, Any]) -> Iterator[Any]:
    """The reply's stream with ``report``'s fields in its ``message_delta``, as the API sends them."""

    def rewrite(match: re.Match[bytes]) -> bytes:
        return match.group(1) + json.dumps({**json.loads(match.group(2)), **report}).encode() + match.group(3)

    for piece in pieces:
        yield _DELTA.sub(rewrite, piece) if isinstance(piece, bytes) else piece


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep the terminal clean
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        self.server.requests.append(Recorded(self.path, dict(self.headers.items()), query))
        server = self.server
        if not url.path.endswith("/v1/models"):
            self._send(Reply.error(404, "not_found_error", f"no route {self.path}"))
        else:
            self._send(server.models_reply or models_page(server.models, query))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        self.server.requests.append(Recorded(self.path, dict(self.headers.items()), body))
        route = urlsplit(self.path).path
        name = "messages" if route.endswith("/v1/messages") else "count_tokens"
        server = self.server
        betas = frozenset(
            b.strip() for b in (self.headers.get("anthropic-beta") or "").split(",") if b.strip()
        )
        problem = cache_refusal(body) or (server.validate(name, body, betas) if server.validate else None)
        seen, report = server.editor(body, betas) if server.editor and problem is None else (body, {})
        if problem is not None:
            reply = Reply.error(400, "invalid_request_error", problem)
        elif route.endswith("/v1/messages"):
            reply = server.responder(seen)
            if server.cache is not None and reply.status == 200:
                reply = Reply(reply.status, with_usage(reply.body, server.cache.account(seen)), reply.headers)
            if report and reply.status == 200:
                reply = Reply(reply.status, list(with_report(reply.body, report)), reply.headers)
        elif route.endswith("/v1/messages/count_tokens"):
            reply = server.counter(seen)
            if "context_management" in report and reply.status == 200:
                original = json.loads(b"".join(p for p in server.counter(body).body if isinstance(p, bytes)))
                counted = json.loads(b"".join(p for p in reply.body if isinstance(p, bytes)))
                counted["context_management"] = {"original_input_tokens": original["input_tokens"]}
                reply = Reply.json(counted)
        else:
            reply = Reply.error(404, "not_found_error", f"no route {self.path}")
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = {
            "content-type": "text/event-stream",
            "request-id": f"req_loopback_{len(self.server.requests)}",
        }
        framing = {"transfer-encoding", "content-length", "connection"}  # this server frames the body itself
        headers.update({k.lower(): v for k, v in reply.headers.items() if k.lower() not in framing})
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for piece in reply.body:
                if piece is DROP:  # no closing chunk: the client sees a broken body, as on a real drop
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                if isinstance(piece, (int, float)):
                    time.sleep(piece)
                elif piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


class LoopbackServer(ThreadingHTTPServer):
    """Serve ``responder`` on 127.0.0.1 from a daemon thread; ``url`` is the SDK's base_url."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        responder: Responder,
        port: int = 0,
        *,
        models: list[dict[str, Any]] | None = None,
        counter: Responder = estimate_tokens,
        validate: Validator | None = None,
        editor: Editor | None = None,
        cache: PromptCache | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.responder = responder
        self.validate = validate
        """Refuses with a 400 what the API would (tests give it the API's rules per model)."""
        self.editor = editor
        """Changes the input as the API would before the model sees it, and reports it in the reply."""
        self.cache = cache
        """When set, replies report the cache reads and writes the request made (else as scripted)."""
        self.models: list[dict[str, Any]] = list(models or [])
        self.models_reply: Reply | None = None
        self.counter = counter
        self.requests: list[Recorded] = []
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.05,), name="loopback-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
