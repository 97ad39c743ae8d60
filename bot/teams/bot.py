"""One Teams turn: messages (questions, suggestion buttons, `prompts …` commands, card submits),
invokes (the message extension and dialogs: extension.py) and install / uninstall events.

A chat is a conversation: its recent questions (the same window on every surface, runtime.FOLLOW_UPS)
are kept in the database, keyed by conversation and reply chain, so a follow-up has its context on
any replica and after a restart. Greetings, help, thanks and non-English messages go to the engine
like any question; only the install event gets the welcome card.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from typing import Any, cast

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.config import Settings
from bot.models import Answer
from bot.runtime import FOLLOW_UPS, AdapterStore, AnswerEngine, FollowUps
from bot.sources.chat_uploads import UploadDesk
from bot.teams.cards import HIBOT_KEY
from bot.teams.connector import TeamsConnection, entity_dicts
from bot.teams.engagement import Engagement
from bot.teams.extension import Invokes
from bot.teams.help import TeamsHelp
from bot.teams.installs import Installs
from bot.teams.lead_commands import TeamsLeadCommands
from bot.teams.mentions import base_conversation_id, first_word, reply_chain_id, strip_mentions
from bot.teams.render import ShareTarget, render_answer
from bot.teams.replies import PLATFORM, Replies, extra, key, user_id
from bot.teams.share_targets import ShareTargets
from bot.teams.submits import Submits
from bot.teams.upload_card import SUBMIT as LIBRARY_SUBMIT
from bot.teams.uploads import TeamsUploads, files_of

log = logging.getLogger("hibot.teams")


class HibotTeamsBot:
    def __init__(
        self,
        settings: Settings,
        engine: AnswerEngine,
        store: AdapterStore,
        connection: TeamsConnection,
        answer_pool: Executor | None = None,
        follow_ups: FollowUps = FOLLOW_UPS,
    ):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.answer_pool = answer_pool
        self.follow_ups = follow_ups
        self.replies = Replies(store)
        self.lead_commands = TeamsLeadCommands(settings, store, engine, self.replies)
        self.engagement = Engagement(store)
        self.help = TeamsHelp(settings, store, connection, self.replies)
        self.installs = Installs(store, self.replies)
        self.targets = ShareTargets(store, connection)
        self.submits = Submits(store, connection, self.replies, self.targets)
        # The composition root's Store has the library's document store too (bot/storage/library_docs.py).
        desk = UploadDesk(cast(Any, store), settings)
        self.uploads = TeamsUploads(settings, connection, self.replies, desk, engine)
        self.invokes = Invokes(
            store, self.replies, self.targets, self.submits, self._ask, still_need_help=self.help
        )

    async def on_turn(self, ctx: TurnContext) -> None:
        kind = ctx.activity.type
        if kind == "message":
            await self.on_message(ctx)
        elif kind == "conversationUpdate":
            await self.installs.on_conversation_update(ctx)
        elif kind == "installationUpdate":
            await self.installs.on_installation_update(ctx)
        elif kind == "messageReaction":  # a reaction on a weekly-prompt post counts for leads
            await self.engagement.on_reaction(ctx)
        elif kind == "invoke":  # the message extension and dialogs: answered in the HTTP response
            await self.on_invoke(ctx)

    async def on_invoke(self, ctx: TurnContext) -> None:
        try:
            status, body = await self.invokes.on_invoke(ctx)
        finally:
            await self.replies.settle(ctx)
        response = InvokeResponse(status=status, body=body)
        await ctx.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))

    async def on_message(self, ctx: TurnContext) -> None:
        a = ctx.activity
        if a.id and not await asyncio.to_thread(
            self.store.claim_event, PLATFORM, key("msg", a.conversation.id, a.id)
        ):
            return  # a retried delivery of a message we already handled
        self.replies.beside(ctx, self.installs.remember(a))  # the reference, for proactive sends later
        self.replies.beside(ctx, self.engagement.on_reply(a))  # a reply under a weekly prompt counts
        try:
            await self._dispatch(ctx, a)
        finally:
            await self.replies.settle(ctx)

    async def _dispatch(self, ctx: TurnContext, a: Activity) -> None:
        value = a.value if isinstance(a.value, dict) else {}
        submitted = value.get(HIBOT_KEY)
        if submitted == "feedback":
            return await self.submits.on_feedback(ctx, value)
        if submitted == "help":  # "Still need help?" under a decline
            return await self.help.on_help(ctx, value)
        if submitted == "help_resolved":  # a lead closes it in the leads channel
            return await self.help.on_resolved(ctx, value)
        if submitted == "share":
            return await self.submits.on_share(ctx, value)
        if submitted == "ask":  # a suggestion button: its question, as if typed
            return await self.on_question(ctx, str(value.get("question") or "").strip())
        if submitted == LIBRARY_SUBMIT:  # a lead's form for a document they sent
            return await self.uploads.on_submit(ctx, value)
        question = strip_mentions(a.text, entity_dicts(a), a.recipient.id if a.recipient else None)
        files = files_of(a)  # a file attached in the personal chat: a lead adding a document
        if files and (await self.uploads.on_files(ctx, files) or not question.strip()):
            return  # anyone else's file is refused, and the words sent with it answered below
        word, rest = first_word(question)
        if word == "prompts":
            return await self.on_prompts_command(ctx, rest)
        if word == "leads":
            return await self.lead_commands.on_leads(ctx, rest)
        if word in ("sources", "sources?") and not rest.strip():
            return await self.lead_commands.on_sources(ctx)
        if word == "sources":  # retire ID, replace ID: leads only
            return await self.uploads.on_sources_command(ctx, rest)
        await self.on_question(ctx, question)

    async def on_question(self, ctx: TurnContext, question: str) -> None:
        a = ctx.activity
        conversation, chain = base_conversation_id(a.conversation.id), reply_chain_id(a.conversation.id)
        none: list[str] = []
        history = await extra(
            "teams_history",
            none,
            self.store.recent_turns,
            PLATFORM,
            conversation,
            thread_id=chain,
            limit=self.follow_ups.turns,
            within=self.follow_ups.window,
        )
        answer = await self._ask(question, history)
        if not answer.is_conversation:  # "thanks" or "hi" is no context for the next question
            self.replies.beside(
                ctx,
                asyncio.to_thread(
                    self.store.add_turn, PLATFORM, conversation, question, thread_id=chain, user_id=user_id(a)
                ),
            )
        targets = await self._share_targets(a, answer)
        activity = render_answer(answer, share_targets=targets)
        if await self.replies.send(ctx, activity) is not None:
            self.replies.beside(
                ctx, asyncio.to_thread(self.store.save_answer, answer, PLATFORM, activity, user_id(a))
            )
        log.info("teams_answered reason=%s history=%d", answer.reason, len(history))

    async def _share_targets(self, a: Activity, answer: Answer) -> list[ShareTarget]:
        """Where the asker may share this answer: from the personal chat, the channels of their teams;
        from a channel thread, that channel itself (a top-level post). Not declines or small talk."""
        if answer.abstained or answer.is_conversation:
            return []
        kind = a.conversation.conversation_type
        if kind == "personal":
            return await self.targets.for_user(a)
        if kind == "channel":
            here = base_conversation_id(a.conversation.id)
            return [t for t in await self.targets.for_user(a) if t.conversation_id == here]
        return []

    async def _ask(self, question: str, history: list[str]) -> Answer:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.answer_pool, self.engine.answer, question, history or None)

    async def on_prompts_command(self, ctx: TurnContext, text: str) -> None:
        await self.lead_commands.on_prompts(ctx, text)
