"""What hibot does for each Slack request, after its listener (app.py) has acknowledged it: one
object per family — questions, the buttons under answers, the workspace (App Home, weekly prompts)
— sharing one `Delivery` (engine, store and Web API client from the composition root)."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, cast

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.runtime import AdapterStore, AnswerEngine
from bot.slack.buttons import SlackButtons
from bot.slack.delivery import Delivery, Respond
from bot.slack.help import SlackHelp
from bot.slack.questions import SlackQuestions
from bot.slack.uploads import SlackUploads
from bot.slack.workspace import SlackWorkspace
from bot.sources.chat_uploads import UploadDesk


@dataclass(frozen=True)
class SlackHandlers:
    questions: SlackQuestions
    buttons: SlackButtons
    workspace: SlackWorkspace
    help: SlackHelp  # "Still need help?" and its Resolved button
    uploads: SlackUploads  # leads add, replace and retire documents

    @classmethod
    def build(
        cls,
        settings: Settings,
        engine: AnswerEngine,
        store: AdapterStore,
        client: AsyncWebClient,
        answer_pool: Executor | None = None,
    ) -> SlackHandlers:
        delivery = Delivery(engine, store, client, answer_pool)
        return cls(
            questions=SlackQuestions(delivery, store, client),
            buttons=SlackButtons(delivery, store, client),
            workspace=SlackWorkspace(settings, delivery, store, client),
            help=SlackHelp(settings, store, client),
            # The composition root's Store has the library's document store too (bot/storage/library_docs.py).
            uploads=SlackUploads(settings, client, delivery, UploadDesk(cast(Any, store), settings)),
        )

    async def on_command(self, command: dict, respond: Respond, context: dict) -> None:
        """`/hibot prompts …` manages weekly prompts, `/hibot sources` lists the documents (and `sources
        retire|replace ID` changes them); anything else is a question (help included)."""
        word, _, rest = (command.get("text") or "").strip().partition(" ")
        if word.lower() == "prompts":
            await self.workspace.on_prompts(command, rest.strip(), respond, context)
        elif word.lower() == "leads":
            await self.workspace.on_leads(command, rest.strip(), respond)
        elif word.lower() == "sources" and not rest.strip():
            await self.workspace.on_sources(command, respond)
        elif word.lower() == "sources":  # retire ID, replace ID: leads only
            await self.uploads.on_sources_command(command, rest.strip(), respond)
        else:
            await self.questions.on_command(command, respond, context)
