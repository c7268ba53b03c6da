"""Real files to attach, made with Pillow and pypdf: images of a given size and orientation, PDFs of
a given page count and weight."""

from __future__ import annotations

import io
import os
from pathlib import Path


def png(path: Path, width: int = 64, height: int = 48, *, noise: bool = False) -> Path:
    from PIL import Image

    if noise:  # incompressible: a big image stays big as a PNG
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 40, 40))
        for x in range(0, width, 8):
            image.putpixel((x, 0), (0, 0, 255))
    image.save(path, "PNG")
    return path


def rotated_jpeg(path: Path, width: int, height: int) -> Path:
    """A JPEG stored ``width``×``height`` whose EXIF says to turn it a quarter (orientation 6)."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (10, 120, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", exif=exif)
    return path


def pdf(path: Path, pages: int = 2, *, pad: int = 0) -> Path:
    """A PDF of ``pages`` blank pages, with ``pad`` random bytes embedded to make it weigh."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if pad:
        writer.add_attachment("pad.bin", os.urandom(pad))
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path
