"""Leads add documents by attaching them in their personal chat with hibot on Teams, sent as Teams sends
them (a message whose attachment is file.download.info with a pre-authorised downloadUrl) to the real
app, replies at the fake Bot Connector, the file at a fake SharePoint: a Word document goes through the
card, the running app's build coordinator builds it, the lead is told it is live and a question is
answered citing it. Each bad file is refused with what to do and changes nothing; a non-lead's file is
never downloaded."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot.server import create_app
from bot.teams.package import PackageError, build_package
from bot.teams.upload_card import SUBMIT
from tests.support.cards import assert_valid_card, walk
from tests.support.fakes.file_host import FakeFileHost
from tests.support.served_app import ServedApp
from tests.support.teams import PERSONAL, card, make_settings, personal
from tests.support.upload_files import MB, encrypted_pdf, executable, image_only_pdf, word_document, zip_bomb

ROOT = Path(__file__).resolve().parent.parent
TITLE = "The Ellery Interpreter Charter"
SECTIONS = {
    "What the Ellery charter is": [
        "The Ellery interpreter charter is a commitment in which every outpatient clinic books a "
        "professional interpreter at the first contact for anyone who asks for one, and records the "
        "language needed on the referral so that no patient has to ask twice.",
        "Clinics report each quarter how many appointments had the interpreter booked in advance.",
    ]
}
NOBODY = {"id": "29:user-nia", "aadObjectId": "aad-nia", "name": "Nia Nurse"}


@pytest.fixture
def host():
    with FakeFileHost() as h:
        yield h


def sent(connector, n: int, timeout: float = 30):
    return connector.wait_for_activities(n + 1, PERSONAL, timeout=timeout)[n]


def said(connector, start: str, timeout: float = 30) -> None:
    connector.wait_for(lambda r: (r.body.get("text") or "").startswith(start), timeout=timeout)


def the_submit(received) -> dict:
    return next(n["data"] for n in walk(card(received)) if n.get("type") == "Action.Submit")


def nothing_changed(store) -> None:
    assert store.library_documents(include_retired=True) == [] and store.library_changes() == []
    assert store.build_requests() == []


def test_a_lead_adds_a_word_document_through_the_card_and_hibot_then_cites_it(
    teams_connector, host, engine, store, index_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("HIBOT_BUILD_POLL_S", "0.2")
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    shutil.copytree(index_dir, index, copy_function=os.link, ignore=shutil.ignore_patterns(".ingest.lock"))
    settings = make_settings(
        tmp_path, HIBOT_INDEX_DIR=str(index), HIBOT_CORPUS_DIR=str(corpus), HIBOT_INDEX_POLL_S="0.2"
    )
    attached = host.add_file("ellery-charter.docx", word_document(TITLE, SECTIONS))
    app = create_app(settings, engine=engine, store=store, start_scheduler=False, watch_index=True)
    c = teams_connector
    with ServedApp(app) as server:
        assert server.post("/api/messages", personal(c, "", attachments=[attached])) in (200, 201)
        offer = sent(c, 0)
        form = card(offer)
        assert_valid_card(form)
        title = next(n for n in walk(form) if n.get("id") == "title")
        assert title["value"] == TITLE  # the document's own title, prefilled
        value = {
            **the_submit(offer),
            "title": TITLE,
            "publisher": "Ellery Hospitals NHS Trust",
            "published": "2026-03-01",
            "url": "https://example.nhs.uk/ellery",
            "review_after": "2029-03-01",
        }
        assert server.post("/api/messages", personal(c, None, value=value)) in (200, 201)
        assert sent(c, 1).body["text"].startswith(f"Added “{TITLE}”. It will be answerable in about a minute")
        assert server.post("/api/messages", personal(c, None, value=value)) in (200, 201)  # pressed twice
        said(c, f"This file is already in hibot's library as “{TITLE}”")
        said(c, f"“{TITLE}” is now live: hibot answers from it.", timeout=90)
        asked = personal(c, "What is the Ellery interpreter charter?")
        assert server.post("/api/messages", asked) in (200, 201)
        answer = sent(c, 4)
    assert TITLE in json.dumps(answer.body)
    assert len(host.downloads()) == 1  # the card's submit used the checked file, not a second fetch
    [doc] = store.library_documents()
    assert (doc.kind, doc.publisher, doc.url) == (
        "docx",
        "Ellery Hospitals NHS Trust",
        "https://example.nhs.uk/ellery",
    )
    [change] = store.library_changes()
    assert change.action == "add" and change.actor == store.hash_user("teams", "aad-jane")
    [request] = store.build_requests()
    assert request.status == "live"


BAD = {  # name, bytes, how the host misbehaves, what the reply must say
    "encrypted PDF": ("guidance.pdf", encrypted_pdf, {}, "guidance.pdf is password-protected"),
    "image-only PDF": ("scan.pdf", image_only_pdf, {}, "scan.pdf has no text hibot can read"),
    "0 bytes": ("empty.pdf", lambda: b"", {}, "empty.pdf is empty (0 bytes)"),
    "60 MB stated": ("big.pdf", lambda: b"", {"declared": 60 * MB}, "This file is 60 MB; hibot takes"),
    "60 MB streamed, no size": ("huge.pdf", lambda: b"", {"flood": 60 * MB}, "larger than 50 MB"),
    "program renamed .pdf": ("report.pdf", executable, {}, "report.pdf is a program"),
    "zip bomb renamed .docx": ("guide.docx", zip_bomb, {}, "guide.docx looks like a zip bomb"),
}


def test_each_bad_file_is_refused_with_what_to_do_and_nothing_changes(
    teams_server, teams_connector, host, store
):
    attached = {case: host.add_file(name, make(), **how) for case, (name, make, how, _) in BAD.items()}
    for n, (case, (_, _, _, says)) in enumerate(BAD.items()):
        assert teams_server.post(personal(teams_connector, "", attachments=[attached[case]])) in (200, 201)
        reply = sent(teams_connector, n)
        assert says in reply.body["text"], (case, reply.body["text"])
        assert not reply.body.get("attachments"), case  # no form for it
    assert host.hosted(attached["60 MB stated"]).sent == 0  # refused from the Content-Length
    assert host.hosted(attached["60 MB streamed, no size"]).sent < 60 * MB  # the stream was cut off
    nothing_changed(store)


def test_someone_who_is_not_a_lead_is_refused_their_file_never_downloaded_and_their_question_answered(
    teams_server, teams_connector, host, store
):
    attached = host.add_file("ellery-charter.docx", word_document(TITLE, SECTIONS))
    c = teams_connector
    question = personal(c, "What is Core20PLUS5?", attachments=[attached], **{"from": NOBODY})
    assert teams_server.post(question) in (200, 201)
    assert sent(c, 0).body["text"].startswith("Sorry, only health-inequalities leads can add documents")
    assert "Core20PLUS5" in json.dumps(sent(c, 1).body)  # their question is still answered
    # a crafted submit (as if from the card) is refused too, and fetches nothing
    forged = {"hibot": SUBMIT, "file_url": attached["content"]["downloadUrl"], "title": "x"}
    assert teams_server.post(personal(c, None, value=forged, **{"from": NOBODY})) in (200, 201)
    assert sent(c, 2).body["text"].startswith("Sorry, only health-inequalities leads")
    assert teams_server.post(personal(c, "sources retire hunt-letter-2014", **{"from": NOBODY})) in (200, 201)
    assert "only health-inequalities leads can retire" in sent(c, 3).body["text"]
    assert host.downloads() == []
    nothing_changed(store)


def test_a_file_from_a_host_that_is_not_sharepoint_is_never_fetched(
    teams_connector, host, engine, store, tmp_path
):
    from tests.support.teams import TeamsServer

    settings = make_settings(tmp_path, MicrosoftAppId="", HIBOT_TEAMS_FILE_HOSTS="*.sharepoint.com")
    srv = TeamsServer(settings, engine, store).start()
    try:
        attached = host.add_file("ellery-charter.docx", word_document(TITLE, SECTIONS))  # a loopback URL
        assert srv.post(personal(teams_connector, "", attachments=[attached])) in (200, 201)
        assert sent(teams_connector, 0).body["text"] == "I can only take files shared in Teams itself."
    finally:
        srv.stop()
    assert host.downloads() == []
    nothing_changed(store)


def test_the_teams_package_refuses_a_manifest_whose_bot_does_not_take_files(tmp_path):
    from bot.teams.package import TEMPLATE_DIR

    src = tmp_path / "src"
    shutil.copytree(TEMPLATE_DIR, src)
    manifest = json.loads((src / "manifest.json").read_text())
    assert manifest["bots"][0]["supportsFiles"] is True  # the shipped manifest
    manifest["bots"][0]["supportsFiles"] = False
    (src / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageError, match="supportsFiles: must be true"):
        build_package(make_settings(tmp_path), tmp_path / "x.zip", allow_placeholder=True, source_dir=src)
