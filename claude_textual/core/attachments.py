"""Files attached to a prompt: read and checked against the API's limits, kept once by their hash.

A file becomes an :class:`Attachment` (:func:`read`): an image (PNG, JPEG, GIF, WebP) EXIF-rotated
and downscaled with Pillow to a long edge of 1568 px and under 5 MB; a PDF whose pages pypdf counts;
a UTF-8 text or code file. Anything else, or anything over a limit, is an :class:`AttachError` that
names the path. The prompt's block holds a *stored* source (``{"type": "stored", "sha256": …}``) and
the bytes go to the history once (``History.put_file``); :func:`hydrate` puts them back in the form
the API takes, for each request, so later turns send the attachments again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shlex
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from claude_textual.core.model import Block, Message

LONG_EDGE = 1568
"""The long edge, in pixels, above which the API scales an image down itself: sending more costs
bandwidth and buys nothing."""
IMAGE_MAX_BYTES = 5 * 1024 * 1024
"""The API's limit for one image (its base64 text); an image is re-encoded until it fits."""
IMAGE_READ_MAX = 20 * 1024 * 1024
"""The largest image file read at all (it is decoded whole to be downscaled)."""
PDF_MAX_BYTES = 32 * 1024 * 1024
"""The API's limit for a whole request, so for any one PDF in it."""
PDF_MAX_PAGES = 100
"""The most pages the API takes in a request's PDFs."""
TEXT_MAX_BYTES = 1024 * 1024
"""The largest text file attached (1 MB is about 250,000 tokens, a whole context window)."""

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
PDF = "application/pdf"
TEXT = "text/plain"

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"%PDF-", "pdf"),
)


class AttachError(Exception):
    """A file cannot be attached; the message names it and says why."""


@dataclass(frozen=True)
class Attachment:
    """A file ready to send: ``data`` is what goes to the API (an image after downscaling)."""

    path: Path
    kind: str
    """``image``, ``pdf`` or ``text``."""
    media_type: str
    data: bytes
    sha256: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    file_size: int = 0
    file_mtime_ns: int = 0
    """The file as it was read, to tell whether it changed before the prompt is sent."""
    file_digest: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    def chip(self) -> str:
        """``report.pdf · pdf · 2.1 MB · 12 pages``: how the prompt box and the transcript name it."""
        return chip_text(self.source())

    def source(self) -> dict[str, Any]:
        """The stored source its block holds (no bytes: they are kept once, by hash)."""
        source: dict[str, Any] = {
            "type": "stored",
            "sha256": self.sha256,
            "media_type": self.media_type,
            "name": self.name,
            "size": len(self.data),
        }
        if self.pages is not None:
            source["pages"] = self.pages
        if self.width is not None:
            source["width"], source["height"] = self.width, self.height
        return source

    def block(self) -> Block:
        """The prompt's content block for it."""
        if self.kind == "image":
            return {"type": "image", "source": self.source()}
        return {"type": "document", "source": self.source(), "title": self.name}


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB"
    if size >= 1_000:
        return f"{size / 1e3:.0f} KB"
    return f"{size} B"


def kind_of(media_type: str) -> str:
    return "image" if media_type.startswith("image/") else "pdf" if media_type == PDF else "text"


def chip_text(source: dict[str, Any]) -> str:
    """How a stored source reads: name · kind · size, and pages or pixels when known."""
    parts = [str(source.get("name") or "file"), kind_of(str(source.get("media_type", "")))]
    parts.append(human_size(int(source.get("size") or 0)))
    if source.get("pages"):
        pages = int(source["pages"])
        parts.append(f"{pages} page{'s' if pages != 1 else ''}")
    if source.get("width"):
        parts.append(f"{source['width']}×{source.get('height')}")
    return " · ".join(parts)


def resolve(text: str, cwd: Path | None = None) -> Path:
    """A typed or pasted path as a file path: quotes, ``file://`` and backslash-escaped spaces
    (how terminals paste a dragged file) taken off, ``~`` expanded, relative to ``cwd``."""
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    if raw.startswith("file://"):
        from urllib.parse import unquote, urlparse

        raw = unquote(urlparse(raw).path)
    raw = raw.replace("\\ ", " ")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (cwd or Path.cwd()) / path


def pasted_paths(text: str, cwd: Path) -> list[Path]:
    """The files a paste names, when all of it is paths to existing files (else none): one path (quoted,
    ``file://``, spaces escaped), one per line, or several as a shell would split them."""
    stripped = text.strip()
    if not stripped or len(stripped) > 8192:
        return []
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if len(lines) == 1:
        single = resolve(stripped, cwd)
        if single.is_file():
            return [single]
        try:
            lines = shlex.split(stripped)
        except ValueError:
            return []
    paths = [resolve(line, cwd) for line in lines]
    return paths if paths and all(p.is_file() for p in paths) else []


def _regular(path: Path) -> os.stat_result:
    """``path``'s status once it is known to be a regular file that can be read."""
    shown = str(path)
    try:
        info = path.stat()  # follows symlinks; a loop raises
    except FileNotFoundError:
        raise AttachError(f"{shown}: no such file.") from None
    except RuntimeError:
        raise AttachError(f"{shown}: a symbolic link loop.") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise AttachError(f"{shown}: a symbolic link loop.") from None
        raise AttachError(f"{shown}: cannot be read ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise AttachError(f"{shown} is a directory: attach the files in it one by one.")
    if not stat.S_ISREG(info.st_mode):
        what = "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise AttachError(f"{shown} is {what}, not a file: only files can be attached.")
    return info


def _read_bytes(path: Path, info: os.stat_result, limit: int, what: str) -> bytes:
    if info.st_size > limit:
        raise AttachError(
            f"{path} is {human_size(info.st_size)}: {what} are attached up to {human_size(limit)}."
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise AttachError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if len(data) > limit:
        raise AttachError(f"{path} grew past {human_size(limit)} while it was read.")
    return data


def sniff(head: bytes) -> str | None:
    """``image``, ``pdf`` or None (maybe text) from a file's first bytes."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    return None


def read(text: str | Path, cwd: Path | None = None) -> Attachment:
    """The file at ``text`` (typed, pasted or picked) ready to attach; :class:`AttachError` if not."""
    path = resolve(str(text), cwd)
    info = _regular(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise AttachError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    kind = sniff(head)
    if kind == "image":
        data = _read_bytes(path, info, IMAGE_READ_MAX, "images")
        attachment = _image(path, data)
    elif kind == "pdf":
        data = _read_bytes(path, info, PDF_MAX_BYTES, "PDFs")
        attachment = _pdf(path, data)
    else:
        data = _read_bytes(path, info, TEXT_MAX_BYTES, "text files")
        attachment = _text(path, data)
    return replace(
        attachment,
        file_size=info.st_size,
        file_mtime_ns=info.st_mtime_ns,
        file_digest=hashlib.sha256(data).hexdigest(),
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _image(path: Path, data: bytes) -> Attachment:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # a truncated or corrupt file fails here
        image = Image.open(io.BytesIO(data))
        fmt = image.format or ""
        if fmt not in IMAGE_TYPES:
            raise AttachError(f"{path}: {fmt or 'this'} images cannot be sent (PNG, JPEG, GIF, WebP can).")
        image.load()
    except AttachError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise AttachError(f"{path}: not a readable image ({exc}).") from None
    upright = ImageOps.exif_transpose(image)
    changed = upright is not image or max(image.size) > LONG_EDGE or len(data) > IMAGE_MAX_BYTES * 3 // 4
    if not changed:
        return Attachment(path, "image", IMAGE_TYPES[fmt], data, _digest(data), None, *image.size)
    return _shrunk(path, upright, fmt)


def _shrunk(path: Path, image: Any, fmt: str) -> Attachment:
    """``image`` with its long edge at most 1568 px, re-encoded (PNG stays PNG unless too big, then
    JPEG at falling quality) until its base64 fits the API's 5 MB."""
    from PIL import Image

    image = image.copy()
    image.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    tries: list[tuple[str, dict[str, Any]]] = []
    if fmt in ("PNG", "GIF", "WEBP"):
        tries.append((fmt, {"optimize": True} if fmt == "PNG" else {}))
    tries += [("JPEG", {"quality": q}) for q in (90, 80, 65, 50)]
    for out, options in tries:
        frame = image.convert("RGB") if out == "JPEG" and image.mode not in ("RGB", "L") else image
        buffer = io.BytesIO()
        frame.save(buffer, out, **options)
        data = buffer.getvalue()
        if len(data) * 4 // 3 + 4 <= IMAGE_MAX_BYTES:
            return Attachment(path, "image", IMAGE_TYPES[out], data, _digest(data), None, *image.size)
    raise AttachError(f"{path}: could not be made smaller than the API's 5 MB for an image.")


def _pdf(path: Path, data: bytes) -> Attachment:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachError(f"{path}: the PDF is encrypted; the API cannot read it.")
        pages = len(reader.pages)
    except AttachError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AttachError(f"{path}: not a readable PDF ({exc}).") from None
    if pages > PDF_MAX_PAGES:
        raise AttachError(f"{path} has {pages} pages: the API takes up to {PDF_MAX_PAGES} in a request.")
    return Attachment(path, "pdf", PDF, data, _digest(data), pages)


def _text(path: Path, data: bytes) -> Attachment:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if "\x00" in text or (data and not text):
        raise AttachError(
            f"{path}: not an image, a PDF or UTF-8 text; only those can be attached (PNG, JPEG, GIF, "
            "WebP, PDF, text and code)."
        )
    return Attachment(path, "text", TEXT, data, _digest(data))


def check_unchanged(attachment: Attachment) -> None:
    """The file is still as it was when attached (else :class:`AttachError`: attach it again)."""
    path = attachment.path
    try:
        info = _regular(path)
    except AttachError as exc:
        raise AttachError(f"{exc} It was attached, then went: remove it (✕) or attach it again.") from None
    if (info.st_size, info.st_mtime_ns) == (attachment.file_size, attachment.file_mtime_ns):
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AttachError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if _digest(data) != attachment.file_digest:
        raise AttachError(f"{path} changed after it was attached: remove it (✕) and attach it again.")


def stored_source(block: Block) -> dict[str, Any] | None:
    """The block's stored source (an attached file kept in the history by hash), if it has one."""
    source = block.get("source")
    return source if isinstance(source, dict) and source.get("type") == "stored" else None


def stored_sources(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The stored sources of every attachment in ``messages``."""
    return [source for m in messages for b in m.content if (source := stored_source(b)) is not None]


def missing(source: dict[str, Any]) -> Block:
    return {"type": "text", "text": f"[The attached file {source.get('name')!r} is not in the history.]"}


def sent_block(block: Block, data: bytes | None, *, citations: bool = False) -> Block:
    """A block with a stored source as the API takes it: the bytes in place (base64, or the text of a
    text file); a text block saying so when the history lacks them."""
    source = block["source"]
    if data is None:
        return missing(source)
    media_type = source.get("media_type", "")
    extra = {k: v for k, v in block.items() if k not in ("source", "citations")}
    if media_type == TEXT:
        sent = {"type": "text", "media_type": TEXT, "data": data.decode("utf-8", "replace")}
    else:
        sent = {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode("ascii")}
    out: Block = {**extra, "source": sent}
    if citations and block.get("type") == "document":
        out["citations"] = {"enabled": True}
    return out


def hydrate(
    messages: list[Message], files: Callable[[list[str]], dict[str, bytes]], *, citations: bool = False
) -> list[Message]:
    """``messages`` with each stored attachment's bytes put back in its block (``files`` reads them
    from the history by hash, in one call)."""
    wanted = sorted({s["sha256"] for s in stored_sources(messages) if isinstance(s.get("sha256"), str)})
    if not wanted:
        return messages
    found = files(wanted)
    out = []
    for message in messages:
        if not stored_sources([message]):
            out.append(message)
            continue
        content = [
            sent_block(b, found.get(source.get("sha256")), citations=citations)
            if (source := stored_source(b)) is not None
            else b
            for b in message.content
        ]
        out.append(replace(message, content=content))
    return out


def unsupported(kinds: Iterable[str], images: bool, pdfs: bool) -> str | None:
    """Why a model cannot take attachments of these ``kinds`` (its capabilities say no images, or no
    PDFs); None when it can."""
    kinds = set(kinds)
    if "image" in kinds and not images:
        return "This model does not take images: remove the image, or pick a model that does (Ctrl+O)."
    if "pdf" in kinds and not pdfs:
        return "This model does not take PDFs: remove the PDF, or pick a model that does (Ctrl+O)."
    return None


def token_estimate(attachment: Attachment) -> int:
    """Roughly how many input tokens an attachment takes (to decide whether to count the request)."""
    if attachment.kind == "image":
        return (attachment.width or LONG_EDGE) * (attachment.height or LONG_EDGE) // 750
    if attachment.kind == "pdf":
        return (attachment.pages or 1) * 2000
    return len(attachment.data) // 4


def check_request(earlier: list[dict[str, Any]], attachments: Iterable[Attachment]) -> None:
    """The whole request (the attachments the conversation already sends, ``earlier``'s stored sources,
    and the new ones) stays within the API's limits on PDF pages and request size."""
    new = list(attachments)
    pages = sum(int(s.get("pages") or 0) for s in earlier if s.get("media_type") == PDF)
    pages += sum(a.pages or 0 for a in new if a.kind == "pdf")
    if pages > PDF_MAX_PAGES:
        raise AttachError(
            f"The conversation's PDFs would have {pages} pages: the API takes up to {PDF_MAX_PAGES} in a "
            "request (the earlier attachments are sent again). Start a new conversation for this one (Ctrl+N)."
        )
    size = sum(int(s.get("size") or 0) for s in earlier) + sum(len(a.data) for a in new)
    if size * 4 // 3 > PDF_MAX_BYTES:
        raise AttachError(
            f"The conversation's attachments would make a request of {human_size(size * 4 // 3)}: the API "
            f"takes up to {human_size(PDF_MAX_BYTES)}. Start a new conversation for this one (Ctrl+N)."
        )


def prompt_message(text: str, attachments: Iterable[Attachment] = (), kept: Iterable[Block] = ()) -> Message:
    """A user prompt: its attachments' blocks first (as the API advises), then the text; ``kept`` are
    the blocks of a prompt being edited, whose attachments stay with the edit."""
    blocks = [b for b in kept if stored_source(b) is not None]
    blocks += [a.block() for a in attachments]
    return Message(role="user", content=[*blocks, {"type": "text", "text": text}])
