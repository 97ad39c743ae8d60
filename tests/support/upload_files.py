"""Documents a lead might send hibot in chat, good and bad, built in memory: a PDF and a Word document
with real text, and the six the issue names as refused (encrypted PDF, image-only PDF, 0 bytes, 60 MB,
a program renamed .pdf, a zip bomb renamed .docx). Real libraries write them (reportlab, pypdf,
python-docx), so they are what people actually send."""

from __future__ import annotations

import io
import zipfile

import docx
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

MB = 1024 * 1024


def text_pdf(pages: list[str], title: str | None = None) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    if title:
        c.setTitle(title)
    for text in pages:
        y = 800
        for line in text.split("\n"):
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(text_pdf(["Confidential text about equity of access."]))).pages:
        writer.add_page(page)
    writer.encrypt("s3cret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.rect(100, 100, 300, 400, fill=1)  # a scan, to a text extractor: no text at all
    c.showPage()
    c.save()
    return out.getvalue()


def executable() -> bytes:
    """The start of a Windows program (the 'MZ' DOS header and PE signature), padded out."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    return bytes(header) + b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x00" * 4096


def zip_bomb(megabytes: int = 64) -> bytes:
    """A 'Word document' whose main part inflates `megabytes` MB of zeros from a few tens of kB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as part:
            block = b"\0" * MB
            for _ in range(megabytes):
                part.write(block)
    return out.getvalue()


def word_document(title: str, sections: dict[str, list[str]]) -> bytes:
    """A .docx with `title` in its properties and as its heading, one heading per section."""
    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, 0)
    for heading, paragraphs in sections.items():
        d.add_heading(heading, 1)
        for p in paragraphs:
            d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
