"""Leads add documents by sharing them in their DM with hibot on Slack, over signed HTTP to the real app
with Slack's Web API and file host faked: a PDF goes through the modal, the build coordinator of the
running app builds it, the lead is told it is live and a question is answered citing it. Each bad file
is refused with what to do and changes nothing; a non-lead's file is never downloaded."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot.server import create_app
from bot.slack.upload_form import DESCRIBE
from tests.support.fakes.file_host import FakeFileHost
from tests.support.fakes.slack_api import FakeSlackAPI
from tests.support.slack import DM, USER, SlackServer, message, run, settings_for
from tests.support.slack_payloads import block_action, button_value, posted_message, view_payload
from tests.support.upload_files import MB, encrypted_pdf, executable, image_only_pdf, text_pdf, zip_bomb

ROOT = Path(__file__).resolve().parent.parent
LEAD, NOBODY = USER, "U0NOBODY01"
TITLE = "The Harrowgate Outreach Standard"
PAGES = [
    "The Harrowgate Outreach Standard\n\nWhat the Harrowgate standard is\n\n"
    "The Harrowgate outreach standard is a monthly review in which each practice compares\n"
    "its missed appointments by deprivation quintile and ethnicity. Practices publish the\n"
    "Harrowgate standard results to the primary care board and invite the people least\n"
    "often seen to shape the next month's outreach clinics."
]


def file_share(files: list[dict], user: str = LEAD, text: str = "") -> dict:
    """A file shared in the DM, as the Events API delivers it."""
    return message(text, subtype="file_share", files=files, upload=False, display_as_bot=False, user=user)


async def posts_after(slack: FakeSlackAPI, n: int, timeout: float = 30) -> dict:
    return (await slack.until("chat.postMessage", n + 1, timeout=timeout))[-1].body


def nothing_changed(store) -> None:
    assert store.library_documents(include_retired=True) == [] and store.library_changes() == []
    assert store.build_requests() == []


@pytest.fixture
def slack():
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def live(index_dir, tmp_path, monkeypatch) -> tuple[Path, Path]:
    """The corpus and a copy of the session's index that this test's server builds into."""
    monkeypatch.setenv("HIBOT_BUILD_POLL_S", "0.2")
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    shutil.copytree(index_dir, index, copy_function=os.link, ignore=shutil.ignore_patterns(".ingest.lock"))
    return corpus, index


def test_a_lead_adds_a_pdf_through_the_modal_and_hibot_then_cites_it(slack, store, engine, live, tmp_path):
    corpus, index = live
    settings = settings_for(
        slack,
        tmp_path,
        HIBOT_LEADS=f"slack:{LEAD}",
        SLACK_FILES_BASE_URL=slack.url + "/",
        HIBOT_INDEX_DIR=str(index),
        HIBOT_CORPUS_DIR=str(corpus),
        HIBOT_INDEX_POLL_S="0.2",
    )
    shared = slack.add_file("harrowgate-standard.pdf", text_pdf(PAGES, title=TITLE))

    async def scenario():
        srv = SlackServer(settings, engine, store)
        srv.app = create_app(settings, engine=engine, store=store, start_scheduler=False, watch_index=True)
        async with srv:
            assert (await srv.event(file_share([shared])))[0] == 200
            offer = await posts_after(slack, 0)
            assert "“harrowgate-standard.pdf” can be added (PDF)" in offer["text"]
            [download] = slack.downloads()
            assert download.headers["Authorization"] == "Bearer xoxb-test-token"
            value = button_value(offer["blocks"], DESCRIBE)
            press = block_action(
                DESCRIBE, value, slack=slack, channel=DM, message=posted_message(offer, "1.2")
            )
            await srv.interaction(press)
            [opened] = await slack.until("views.open")
            view = opened.body["view"]
            title = next(b for b in view["blocks"] if b.get("block_id") == "title")
            assert title["element"]["initial_value"] == TITLE  # the PDF's own title, prefilled
            filled = {"publisher": "Harrowgate ICB", "published": "2026-02-01", "review_after": "2029-02-01"}
            await srv.interaction(submission(view, **filled))
            added = await posts_after(slack, 1)
            assert added["text"].startswith(f"Added “{TITLE}”. It will be answerable in about a minute")
            live_now = await posts_after(slack, 2, timeout=90)  # the coordinator built it
            assert live_now["text"] == f"“{TITLE}” is now live: hibot answers from it."
            await srv.event(message("What is the Harrowgate outreach standard?", user=LEAD))
            answer = await posts_after(slack, 3)
            await srv.event(file_share([shared]))  # the same file again
            again = await posts_after(slack, 4)
            assert again["text"].startswith(f"This file is already in hibot's library as “{TITLE}”")
        assert TITLE in json.dumps(answer["blocks"])
        assert len(slack.downloads()) == 2  # the modal's submit used the checked file, not another fetch

    run(scenario())
    [doc] = store.library_documents()
    assert (doc.title, doc.publisher, doc.published, doc.review_after) == (
        TITLE,
        "Harrowgate ICB",
        "2026-02-01",
        "2029-02-01",
    )
    [change] = store.library_changes()
    assert change.action == "add" and change.actor == store.hash_user("slack", LEAD)
    [request] = store.build_requests()
    assert request.status == "live" and request.requested_by == store.hash_user("slack", LEAD)


def submission(view: dict, **fields: str) -> dict:
    """The modal submitted with its prefilled title and the given fields."""
    payload = view_payload("view_submission", view)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    title = blocks["title"]["element"]["initial_value"]
    values: dict = {"title": {"value": {"type": "plain_text_input", "value": title}}}
    for name, value in fields.items():
        kind = "datepicker" if name in ("published", "review_after") else "plain_text_input"
        key = "selected_date" if kind == "datepicker" else "value"
        values[name] = {"value": {"type": kind, key: value}}
    payload["view"]["state"] = {"values": values}
    return payload


BAD = {  # name, bytes, what Slack states, what the reply must say
    "encrypted PDF": ("guidance.pdf", encrypted_pdf, {}, "guidance.pdf is password-protected"),
    "image-only PDF": ("scan.pdf", image_only_pdf, {}, "scan.pdf has no text hibot can read"),
    "0 bytes": ("empty.pdf", lambda: b"", {}, "empty.pdf is empty (0 bytes)"),
    "60 MB": ("big.pdf", lambda: b"", {"size": 60 * MB}, "big.pdf is 60.0 MB, over the 50.0 MB limit"),
    "60 MB streamed, no size": ("huge.pdf", lambda: b"", {"flood": 60 * MB}, "larger than 50 MB"),
    "program renamed .pdf": ("report.pdf", executable, {}, "report.pdf is a program"),
    "zip bomb renamed .docx": (
        "guide.docx",
        zip_bomb,
        {"filetype": "docx"},
        "guide.docx looks like a zip bomb",
    ),
}


def test_each_bad_file_is_refused_with_what_to_do_and_nothing_changes(slack, store, engine, tmp_path):
    settings = settings_for(
        slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}", SLACK_FILES_BASE_URL=slack.url + "/"
    )
    shared = {case: slack.add_file(name, make(), **stated) for case, (name, make, stated, _) in BAD.items()}

    async def scenario():
        async with SlackServer(settings, engine, store) as srv:
            for n, (case, (_, _, _, says)) in enumerate(BAD.items()):
                await srv.event(file_share([shared[case]]))
                reply = await posts_after(slack, n)
                assert says in reply["text"], (case, reply["text"])
                assert not reply.get("blocks"), case  # no offer to add it

    run(scenario())
    downloaded = {r.path.rsplit("/", 1)[-1] for r in slack.downloads()}
    assert "big.pdf" not in downloaded and "empty.pdf" not in downloaded  # refused by the stated size
    assert slack.hosted(shared["60 MB streamed, no size"]).sent < 60 * MB  # the stream was cut off
    nothing_changed(store)


def test_someone_who_is_not_a_lead_is_refused_their_file_never_downloaded_and_their_question_answered(
    slack, store, engine, tmp_path
):
    settings = settings_for(
        slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}", SLACK_FILES_BASE_URL=slack.url + "/"
    )
    shared = slack.add_file("harrowgate-standard.pdf", text_pdf(PAGES, title=TITLE), user=NOBODY)

    async def scenario():
        async with SlackServer(settings, engine, store) as srv:
            await srv.event(file_share([shared], user=NOBODY, text="What is Core20PLUS5?"))
            refused, answer = [r.body for r in await slack.until("chat.postMessage", 2)]
            assert refused["text"].startswith("Sorry, only health-inequalities leads can add documents")
            assert "Core20PLUS5" in json.dumps(answer["blocks"])  # their question is still answered
            for command in ("sources retire hunt-letter-2014", "sources replace hunt-letter-2014"):
                await srv.command(command, slack, user=NOBODY)
            replies = await slack.until("chat.postEphemeral", 2)
            assert all("only health-inequalities leads can" in r.body["text"] for r in replies)

    run(scenario())
    assert slack.downloads() == []
    nothing_changed(store)


def test_a_lead_replaces_a_curated_document_and_retires_another_from_chat(slack, store, engine, tmp_path):
    settings = settings_for(
        slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}", SLACK_FILES_BASE_URL=slack.url + "/"
    )
    shared = slack.add_file("hunt-2015.pdf", text_pdf(PAGES, title="Health inequalities duties 2015-16"))

    async def scenario():
        async with SlackServer(settings, engine, store) as srv:
            await srv.command("sources replace hunt-letter-2014", slack, user=LEAD)
            [asked] = await slack.until("chat.postEphemeral", 1)
            assert "Send me the new version of “Working together" in asked.body["text"]
            await srv.event(file_share([shared]))
            offer = await posts_after(slack, 0)
            value = button_value(offer["blocks"], DESCRIBE)
            await srv.interaction(block_action(DESCRIBE, value, slack=slack, channel=DM))
            [opened] = await slack.until("views.open")
            view = opened.body["view"]
            replaces = next(b for b in view["blocks"] if b.get("block_id") == "replaces")
            assert replaces["element"]["initial_option"]["value"] == "hunt-letter-2014"  # chosen already
            payload = submission(view, publisher="Department of Health and Social Care")
            payload["view"]["state"]["values"]["replaces"] = {
                "value": {"type": "static_select", "selected_option": {"value": "hunt-letter-2014"}}
            }
            await srv.interaction(payload)
            replaced = await posts_after(slack, 1)
            assert "as the new version of “Working together" in replaced["text"]
            await srv.command(
                "sources retire health-inequalities-policy-map Superseded locally", slack, user=LEAD
            )
            retired = (await slack.until("chat.postEphemeral", 2))[-1].body["text"]
            assert retired.startswith("Retiring “The Health Inequalities Policy Map”")
            await srv.command("sources retire health-inequalities-policy-map", slack, user=LEAD)
            again = (await slack.until("chat.postEphemeral", 3))[-1].body["text"]
            assert again == "'health-inequalities-policy-map' is already retired."

    run(scenario())
    changes = [(c.action, c.doc_id, c.reason) for c in store.library_changes()]
    assert changes == [
        ("replace", "hunt-letter-2014", None),
        ("retire", "health-inequalities-policy-map", "Superseded locally"),
    ]
    requests = store.build_requests()
    assert [r.notify["action"] for r in requests] == ["replace", "retire"]
    assert all(r.notify["channel"] for r in requests)


def test_a_build_that_fails_leaves_the_old_index_serving_and_tells_the_lead(
    slack, store, engine, live, tmp_path, monkeypatch
):
    corpus, index = live
    monkeypatch.setenv("HIBOT_MODEL", "no-such-embedding-model")  # the build worker cannot embed
    settings = settings_for(
        slack,
        tmp_path,
        HIBOT_LEADS=f"slack:{LEAD}",
        HIBOT_INDEX_DIR=str(index),
        HIBOT_CORPUS_DIR=str(corpus),
        HIBOT_INDEX_POLL_S="0.2",
    )

    async def scenario():
        srv = SlackServer(settings, engine, store)
        srv.app = create_app(settings, engine=engine, store=store, start_scheduler=False, watch_index=True)
        async with srv:
            await srv.command("sources retire health-inequalities-policy-map", slack, user=LEAD)
            [said] = await slack.until("chat.postEphemeral", 1)
            assert said.body["text"].startswith("Retiring “The Health Inequalities Policy Map”")
            told = await posts_after(slack, 0, timeout=90)
        assert told["channel"] == LEAD  # in their DM with hibot
        assert told["text"].startswith(
            "I couldn't rebuild the index with “The Health Inequalities Policy Map”"
        )
        assert "still answering from the documents it had before" in told["text"]

    run(scenario())
    assert (index / "CURRENT").read_text().strip() == engine.build_id  # the old build still serves
    [request] = store.build_requests()
    assert request.status == "failed"


def test_a_file_anywhere_but_slacks_file_host_is_never_fetched_and_never_gets_the_token(
    slack, store, engine, tmp_path
):
    settings = settings_for(
        slack, tmp_path, HIBOT_LEADS=f"slack:{LEAD}", SLACK_FILES_BASE_URL=slack.url + "/"
    )
    with FakeFileHost() as elsewhere:
        foreign = elsewhere.add_file("guidance.pdf", text_pdf(PAGES))
        pointed = {
            **slack.add_file("guidance.pdf", b"%PDF" * 500),
            "url_private_download": foreign["content"]["downloadUrl"],
        }
        redirected = slack.add_file("moved.pdf", b"%PDF" * 500, redirect=foreign["content"]["downloadUrl"])

        async def scenario():
            async with SlackServer(settings, engine, store) as srv:
                for n, shared in enumerate((pointed, redirected)):
                    await srv.event(file_share([shared]))
                    reply = await posts_after(slack, n)
                    assert reply["text"] == "I can only take files shared in Slack itself."

        run(scenario())
        assert elsewhere.downloads() == []  # neither the URL in the event nor the redirect was followed
    assert len(slack.downloads()) == 1  # only the redirecting Slack URL itself
    nothing_changed(store)
