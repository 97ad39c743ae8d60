"""`check_upload`: what a lead (or an operator) sends is typed by its bytes, refused with one sentence
they can act on when hibot cannot use it, and otherwise read into markdown with its headings, lists
and pages. Every fixture is built in memory (here and in tests/support/upload_files.py)."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sources.intake import UploadLimits, UploadRefused, check_size, check_upload
from tests.support.upload_files import MB, encrypted_pdf, executable, image_only_pdf, zip_bomb
from tests.support.upload_files import text_pdf as pdf


def word_document() -> bytes:
    d = docx.Document()
    d.core_properties.title = "Equity in elective recovery"
    d.add_heading("Equity in elective recovery", 0)
    d.add_heading("Who waits longest", 1)
    d.add_paragraph("People in the most deprived areas wait longer for planned care than others.")
    d.add_heading("What trusts should do", 2)
    d.add_paragraph("Split waiting lists by deprivation quintile", style="List Bullet")
    d.add_paragraph("Split waiting lists by ethnicity", style="List Bullet")
    d.add_paragraph("Offer interpreters at booking", style="List Bullet 2")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Group", "Median wait"
    table.cell(1, 0).text, table.cell(1, 1).text = "Most deprived", "18 weeks"
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


WEB_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><title>Core20PLUS5 (adults) - NHS England</title>
<meta property="article:published_time" content="2023-05-01T09:00:00+01:00"></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li>
<li><a href="/cookies">Cookie settings</a></li></ul></nav></header>
<main><article>
<h1>Core20PLUS5 (adults)</h1>
<p>Core20PLUS5 is a national NHS England approach to inform action to reduce healthcare inequalities
at both national and system level. The approach defines a target population cohort.</p>
<h2>The five clinical areas of focus</h2>
<p>The five clinical areas of focus require accelerated improvement, and are listed here in full.</p>
<ul><li>Maternity: continuity of carer for most women from ethnic minority communities</li>
<li>Severe mental illness: annual health checks for people living with it</li>
<li>Chronic respiratory disease: uptake of flu and pneumonia vaccines</li></ul>
</article></main>
<footer><p>All content is available under the Open Government Licence v3.0.</p></footer>
</body></html>"""


BAD_UPLOADS = {
    "encrypted PDF": (
        encrypted_pdf,
        "guidance.pdf",
        ["guidance.pdf is password-protected", "unprotected copy"],
    ),
    "image-only PDF": (image_only_pdf, "scan.pdf", ["scan.pdf has no text", "image-only", "OCR"]),
    "0 bytes": (lambda: b"", "empty.pdf", ["empty.pdf is empty (0 bytes)"]),
    "60 MB": (lambda: b"%PDF-1.4\n" + b" " * (60 * MB), "big.pdf", ["big.pdf is 60.0 MB", "50.0 MB limit"]),
    "executable renamed .pdf": (executable, "report.pdf", ["report.pdf is a program", "not a document"]),
    "zip bomb renamed .docx": (
        zip_bomb,
        "guide.docx",
        ["guide.docx looks like a zip bomb", "unpack to 64.0 MB"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_each_bad_upload_is_refused_with_one_sentence_saying_what_to_do(case):
    make, name, says = BAD_UPLOADS[case]
    with pytest.raises(UploadRefused) as refused:
        check_upload(make(), name, UploadLimits())
    message = refused.value.message
    for phrase in says:
        assert phrase in message
    assert message.endswith(".") and message.count(". ") == 0  # one sentence
    assert "Traceback" not in message and "Error" not in message


def test_a_size_is_refused_before_anything_is_read_or_downloaded():
    with pytest.raises(UploadRefused, match="over the 1.0 MB limit"):
        check_size(2 * MB, "report.pdf", UploadLimits.from_env({"HIBOT_UPLOAD_MAX_MB": "1"}))
    check_size(MB, "report.pdf", UploadLimits.from_env({"HIBOT_UPLOAD_MAX_MB": "1"}))


def test_a_pdf_keeps_its_pages_and_suggests_its_own_title():
    data = pdf(
        [
            "Anchor institutions and local jobs in deprived areas.",
            "Hypertension case-finding in deprived areas.",
        ],
        title="Anchors and hypertension",
    )
    checked = check_upload(data, "anchors.pdf", UploadLimits())
    assert (checked.kind, checked.filename, checked.size) == ("pdf", "anchors.pdf", len(data))
    assert checked.text.index("<!-- page: 1 -->") < checked.text.index("Anchor institutions")
    assert checked.text.index("<!-- page: 2 -->") < checked.text.index("Hypertension case-finding")
    assert checked.suggested["title"] == "Anchors and hypertension"
    assert len(checked.sha256) == 64 and checked.data == data


def test_a_word_document_keeps_headings_as_headings_and_lists_as_list_items():
    checked = check_upload(word_document(), "elective.docx", UploadLimits())
    lines = checked.text.splitlines()
    assert checked.kind == "docx"
    assert "# Equity in elective recovery" in lines
    assert "# Who waits longest" in lines and "## What trusts should do" in lines
    assert "- Split waiting lists by deprivation quintile" in lines
    assert "  - Offer interpreters at booking" in lines  # the second list level, nested
    assert "| Most deprived | 18 weeks |" in lines
    assert lines.index("# Who waits longest") < lines.index("- Split waiting lists by ethnicity")
    assert checked.suggested["title"] == "Equity in elective recovery"


def test_a_web_page_gives_its_main_content_with_headings_and_lists_not_its_navigation():
    checked = check_upload(WEB_PAGE, "core20plus5.html", UploadLimits())
    lines = checked.text.splitlines()
    assert checked.kind == "html"
    assert "# Core20PLUS5 (adults)" in lines and "## The five clinical areas of focus" in lines
    assert "- Severe mental illness: annual health checks for people living with it" in lines
    assert "Cookie settings" not in checked.text
    assert checked.suggested == {"title": "Core20PLUS5 (adults)", "published": "2023-05-01"}


def test_markdown_and_text_are_told_apart_by_their_markup_and_suggest_a_title():
    md = check_upload(
        b"---\ntitle: Inclusion health\npublished: 2024-02-01\n---\n# Inclusion health\n\n"
        b"- People experiencing homelessness\n- Gypsy, Roma and Traveller communities\n",
        "notes.txt",
        UploadLimits(),
    )
    assert md.kind == "markdown" and "- People experiencing homelessness" in md.text
    assert md.suggested == {"title": "Inclusion health", "published": "2024-02-01"}
    text = check_upload(
        b"Waiting times for planned care differ by deprivation.\nAct on them.", "w.txt", UploadLimits()
    )
    assert text.kind == "text"
    assert text.suggested["title"] == "Waiting times for planned care differ by deprivation."


def test_the_type_comes_from_the_content_not_the_file_name():
    assert (
        check_upload(pdf(["Health inequalities are avoidable."]), "notes.txt", UploadLimits()).kind == "pdf"
    )
    assert check_upload(WEB_PAGE, "page.pdf", UploadLimits()).kind == "html"
    assert check_upload(word_document(), "elective.pdf", UploadLimits()).kind == "docx"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is an image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "save it as .docx or PDF"),
        (b"#!/bin/sh\nrm -rf /\n", "is a program or script"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 64, "is not a document hibot can read"),
        ("Café inequalities".encode("latin-1") * 4, "is not a document hibot can read"),
    ],
)
def test_images_old_office_files_scripts_archives_and_unknown_bytes_are_refused(data, says):
    with pytest.raises(UploadRefused, match=says):
        check_upload(data, "upload.pdf", UploadLimits())


def test_a_zip_that_is_not_a_word_document_is_refused_as_such():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("photos/1.txt", "not a document")
    with pytest.raises(UploadRefused, match="a zip archive, not a Word document"):
        check_upload(out.getvalue(), "photos.docx", UploadLimits())


def test_a_patients_letter_with_an_nhs_number_is_never_kept_but_guidance_naming_nhs_numbers_is():
    letter = b"Dear Dr Jones,\n\nRe: Mrs A Patient, NHS number: 943 476 5919.\nShe was seen in clinic today."
    with pytest.raises(UploadRefused, match="letter.txt has a patient's NHS number in it"):
        check_upload(letter, "letter.txt", UploadLimits())
    guidance = b"Record each patient's NHS number and ethnicity at booking; call 0300 311 2233 for help."
    assert check_upload(guidance, "guidance.txt", UploadLimits()).kind == "text"


_DOCX_PARTS = None


def _docx_parts() -> dict[str, bytes]:
    global _DOCX_PARTS
    if _DOCX_PARTS is None:
        archive = zipfile.ZipFile(io.BytesIO(word_document()))
        _DOCX_PARTS = {n: archive.read(n) for n in archive.namelist()}
    return _DOCX_PARTS


def _damaged(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for at, value in edits:
        if out:
            out[at % len(out)] = value
    return bytes(out[: cut % (len(out) + 1)] if cut is not None else out)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=st.integers(0, 100), edits=edits, cut=st.none() | st.integers(0, 1 << 20))
def test_a_damaged_word_document_is_accepted_or_refused_never_an_error(part, edits, cut):
    parts = _docx_parts()
    victim = sorted(parts)[part % len(parts)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, _damaged(data, edits, cut) if name == victim else data)
    try:
        check_upload(out.getvalue(), "damaged.docx", UploadLimits())
    except UploadRefused as e:
        assert e.message.startswith(("This Word document (damaged.docx)", "damaged.docx"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.sampled_from(b"<>/&;\"'=!- x")), max_size=10))
def test_a_malformed_web_page_is_accepted_or_refused_never_an_error(edits):
    try:
        check_upload(_damaged(WEB_PAGE, edits, None), "damaged.html", UploadLimits())
    except UploadRefused:
        pass
