"""Leads add documents by sharing a file in their DM with hibot, and replace or retire them with
`/hibot sources replace|retire ID`.

A file shared in the DM arrives as a `message` event, subtype `file_share`, with `files[]`. From a lead,
each file is downloaded from Slack's file host (`url_private_download`, with the bot token; needs the
files:read scope), checked (bot/sources/intake.py) and either refused with the reason or offered for
the library with a button: the modal asking for title, publisher, dates, link and what it replaces
needs the trigger a click gives. Submitting it stores the document, asks for an index build, and says
so; when the build ends the lead is told in the same DM. From anyone else the file is not downloaded.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.config import Settings
from bot.slack.delivery import PLATFORM, Delivery, Place, Respond, kind_of, name_task
from bot.slack.inbound import is_from_a_person
from bot.slack.mrkdwn import escape
from bot.slack.render import SlackMessage
from bot.slack.upload_form import checked_message, form_metadata, submitted_form, upload_modal
from bot.sources.builds import on_build_finished
from bot.sources.chat_uploads import (
    FAILED,
    NOT_A_LEAD_FILE,
    DocumentForm,
    UploadDesk,
    finished_text,
    serving,
)
from bot.sources.downloads import DownloadRefused, fetch_capped
from bot.sources.intake import CheckedUpload, UploadRefused, check_size

log = logs.get_logger("hibot.slack")
FILES_PER_MESSAGE = 3  # a message with more is unusual for guidance; the rest are named, not taken
SIGN_IN_PAGE = (
    "Slack did not give me the file (it sent a sign-in page instead): hibot needs the files:read "
    "permission. Please ask whoever manages hibot's Slack app to reinstall it."
)
EXTERNAL = "That file is a link to another service; download it and send the file itself."
NOT_THE_SAME = "That file has changed or is no longer in Slack since I checked it; please send it again."


class SlackUploads:
    def __init__(self, settings: Settings, client: AsyncWebClient, delivery: Delivery, desk: UploadDesk):
        self.settings = settings
        self.client = client
        self.delivery = delivery
        self.desk = desk
        self._tasks: set[asyncio.Task] = set()
        _register(self)

    # --- which events are ours ----------------------------------------------------------------
    @staticmethod
    def wants(event: dict) -> bool:
        """A file shared in a DM with hibot (files shared in channels are not offered to the library)."""
        channel = event.get("channel") or ""
        return (
            event.get("subtype") == "file_share"
            and bool(event.get("files"))
            and kind_of(channel, event.get("channel_type")) == "im"
        )

    # --- a file arrives -------------------------------------------------------------------------
    async def on_file_share(self, body: dict, event: dict, context: dict) -> bool:
        """True when the message was a lead's document (its words are a caption, not a question);
        False when the words, if any, should still be answered (a clinician's screenshot and question:
        the file is refused, never downloaded, and the question answered as usual)."""
        name_task("upload")
        if not is_from_a_person(event, context.get("bot_user_id"), context.get("bot_id")):
            return True
        user, channel, ts = event.get("user") or "", event.get("channel") or "", event.get("ts") or ""
        if not await asyncio.to_thread(self.desk.is_lead, PLATFORM, user):
            if await self._claim(body, channel, ts):
                log.info("library_upload_refused", platform=PLATFORM, reason="not_a_lead")
                await self._say(channel, NOT_A_LEAD_FILE)
            return False
        if not await self._claim(body, channel, ts):
            return True
        files = event.get("files") or []
        for f in files[:FILES_PER_MESSAGE]:
            await self._take(f, user, channel)
        if len(files) > FILES_PER_MESSAGE:
            await self._say(
                channel, f"I looked at the first {FILES_PER_MESSAGE} files; send the others again."
            )
        return True

    async def _take(self, f: dict, user: str, channel: str) -> None:
        try:
            f = await self._full(f)
            name = str(f.get("name") or f.get("title") or "document")
            upload = await self.desk.check(await self._download(f), name)
        except DownloadRefused as e:
            log.info("library_upload_refused", platform=PLATFORM, reason=e.reason)
            return await self._say(channel, e.message)
        except UploadRefused as e:
            log.info("library_upload_refused", platform=PLATFORM, reason="check")
            return await self._say(channel, str(e))
        already = await asyncio.to_thread(self.desk.already_stored, upload.sha256)
        if already is not None:
            return await self._say(channel, already)
        self.desk.pending.keep(f"{PLATFORM}:{user}", upload)
        ref = {
            "url": f.get("url_private_download") or f.get("url_private"),
            "name": name,
            "filetype": f.get("filetype") or "",
            "sha256": upload.sha256,
            "channel": channel,
        }
        text, blocks = checked_message(name, upload.kind, ref)
        await self._post(channel, text, blocks)

    async def _full(self, f: dict) -> dict:
        """The file object with its download URL (events from some workspaces carry only the id)."""
        if f.get("url_private_download") or f.get("url_private") or not f.get("id"):
            return f
        try:
            return (await self.client.files_info(file=f["id"])).get("file") or f
        except SlackApiError as e:
            raise DownloadRefused(
                "I couldn't read that file from Slack. Please send it again.",
                f"files_info_{e.response.get('error')}",
            ) from e

    async def _download(self, f: dict) -> bytes:
        if f.get("is_external") or f.get("mode") in ("external", "tombstone"):
            raise DownloadRefused(EXTERNAL, "external")
        if isinstance(f.get("size"), int):  # Slack states it: refuse by it before downloading anything
            check_size(f["size"], str(f.get("name") or "The file"), self.desk.limits)
        url = str(f.get("url_private_download") or f.get("url_private") or "")
        got = await fetch_capped(
            url,
            allowed=self._slack_files,
            max_bytes=self.desk.max_bytes,
            headers={"Authorization": f"Bearer {self.client.token}"},
            where="Slack",
        )
        if "html" in got.content_type and str(f.get("filetype") or "").lower() not in ("html", "htm"):
            raise DownloadRefused(SIGN_IN_PAGE, "sign_in_page")
        return got.data

    def _slack_files(self, url: str) -> bool:
        """Only Slack's own file host (SLACK_FILES_BASE_URL's origin) gets the bot token."""
        want, got = urlsplit(self.settings.slack_files_base_url), urlsplit(url)
        try:
            same = (got.scheme, got.hostname, got.port) == (want.scheme, want.hostname, want.port)
        except ValueError:
            return False
        return same and got.scheme in ("https", "http") and got.username is None and got.password is None

    # --- the form -------------------------------------------------------------------------------
    async def on_describe(self, body: dict) -> None:
        """The button under a checked file: open the modal, prefilled from the document."""
        name_task("upload")
        user = (body.get("user") or {}).get("id") or ""
        try:
            ref = json.loads(((body.get("actions") or [{}])[0]).get("value") or "{}")
        except ValueError:
            return
        if not await asyncio.to_thread(self.desk.is_lead, PLATFORM, user):
            return await self._say(str(ref.get("channel") or user), NOT_A_LEAD_FILE)
        who = f"{PLATFORM}:{user}"
        kept = self.desk.pending.peek(who, str(ref.get("sha256") or ""))
        if kept is not None:
            form = self.desk.suggested(kept, who)
        else:  # checked by another replica: the title from the file name, checked again on submit
            stem = Path(str(ref.get("name") or "document")).stem.replace("_", " ")
            form = DocumentForm(title=stem, replaces=self.desk.pending.replacing_for(who))
        choices = await asyncio.to_thread(self.desk.choices)
        try:
            await self.client.views_open(
                trigger_id=body.get("trigger_id"), view=upload_modal(form, choices, ref)
            )
        except SlackApiError as e:
            log.warning("slack_views_open_failed", error=e.response.get("error"))

    async def on_submitted(self, body: dict, view: dict, ack: Any) -> None:
        form = submitted_form(view)
        problems = form.problems()
        if problems:
            return await ack(response_action="errors", errors=problems)
        await ack()
        name_task("upload")
        ref, user = form_metadata(view), (body.get("user") or {}).get("id") or ""
        channel = str(ref.get("channel") or user)
        if not await asyncio.to_thread(self.desk.is_lead, PLATFORM, user):
            return await self._say(channel, NOT_A_LEAD_FILE)
        notify = {"platform": PLATFORM, "channel": channel, "user": user}
        reply = await self.desk.submit_reply(form, self._upload_for(ref, user), PLATFORM, user, notify)
        await self._say(channel, reply)

    async def _upload_for(self, ref: dict, user: str) -> CheckedUpload:
        """The upload checked when the file arrived; fetched and checked again if this replica does not
        have it (another one took the file, or it restarted), and only if it is the same file."""
        sha = str(ref.get("sha256") or "")
        already = await asyncio.to_thread(self.desk.already_stored, sha)
        if already is not None:  # submitted twice: not fetched again
            raise DownloadRefused(already, "duplicate")
        kept = self.desk.pending.take(f"{PLATFORM}:{user}", sha)
        if kept is not None:
            return kept
        f = {"url_private_download": ref.get("url"), "filetype": ref.get("filetype")}
        upload = await self.desk.check(await self._download(f), str(ref.get("name") or "document"))
        if upload.sha256 != sha:
            raise DownloadRefused(NOT_THE_SAME, "changed")
        return upload

    # --- /hibot sources retire|replace ----------------------------------------------------------
    async def on_sources_command(self, command: dict, text: str, respond: Respond) -> None:
        name_task("command")
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        notify = {"platform": PLATFORM, "channel": user, "user": user}  # told in their DM with hibot
        try:
            reply = await asyncio.to_thread(
                self.desk.command,
                PLATFORM,
                user,
                text,
                notify,
                where_files="in your direct message with hibot",
            )
        except Exception:
            log.exception("library_command_failed", platform=PLATFORM)
            reply = FAILED
        place = Place(channel, user, ephemeral=True, kind="ephemeral")
        await self.delivery.ephemeral(place, SlackMessage(blocks=[], text=escape(reply)), respond)

    # --- when the build ends --------------------------------------------------------------------
    def on_build_finished(self, request_id: int, notify: dict | None, outcome: str, detail: str) -> None:
        if not notify or notify.get("platform") != PLATFORM or not notify.get("channel"):
            return
        coro = self._tell(notify, outcome, detail)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called from the build coordinator's own thread
            asyncio.run(coro)
            return
        task = loop.create_task(coro, name="hibot-slack-build-finished")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, notify: dict, outcome: str, detail: str) -> None:
        if outcome == "live":
            await serving(self.delivery.engine, detail)
        await self._say(str(notify["channel"]), finished_text(notify, outcome, detail))

    # --- helpers --------------------------------------------------------------------------------
    async def _claim(self, body: dict, channel: str, ts: str) -> bool:
        store = self.delivery.store
        # Keys of their own: the question path claims the event's usual keys when it answers the words.
        keys = [f"library:{k}" for k in (body.get("event_id"), f"{channel}:{ts}" if ts else None) if k]
        for key in keys:
            if not await asyncio.to_thread(store.claim_event, PLATFORM, key):
                return False
        return True

    async def _say(self, channel: str, text: str) -> None:
        await self._post(channel, text, None)

    async def _post(self, channel: str, text: str, blocks: list[dict] | None) -> None:
        try:
            await self.client.chat_postMessage(
                channel=channel, text=escape(text) if blocks is None else text, blocks=blocks
            )
        except SlackApiError as e:
            log.warning("slack_post_failed", error=e.response.get("error"))


def _register(uploads: SlackUploads) -> None:
    """B's callbacks are per process; held weakly so an app that is gone (tests) is not kept alive."""
    ref = weakref.WeakMethod(uploads.on_build_finished)

    def finished(request_id: int, notify: dict | None, outcome: str, detail: str) -> None:
        handler = ref()
        if handler is not None:
            try:
                handler(request_id, notify, outcome, detail)
            except Exception:  # noqa: BLE001 - telling the lead must never break the build loop
                log.exception("library_notify_failed", platform=PLATFORM)

    on_build_finished(cast(Any, finished))
