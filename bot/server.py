"""`hibot serve`: one aiohttp process for Slack events, Teams messages, health, readiness, metrics
and the weekly-prompt scheduler.

The engine and index load once at start-up and are warmed before /readyz says 200. Adapters get
an instrumented engine and store, so metrics need no platform code.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import logs, metrics
from bot.config import Settings

log = logs.get_logger("hibot.server")
STATE = web.AppKey("state", dict)
PLATFORM_BY_PATH = {"/slack/events": "slack", "/api/messages": "teams"}
SHUTDOWN_GRACE_S = 20


class InstrumentedEngine:
    """The engine, timed and counted for /metrics, with in-flight answers tracked for shutdown."""

    def __init__(self, engine):
        from concurrent.futures import ThreadPoolExecutor

        self._engine = engine
        self.in_flight = 0
        # Answers get threads of their own: database calls sleeping through an outage's retries fill
        # the shared pool, and answers must not wait behind them. The engine serialises on one ONNX
        # session, so a few threads are plenty.
        self.answer_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hibot-answer")

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def answer(self, question: str, history: list[str] | None = None):
        self.in_flight += 1
        t0 = time.perf_counter()
        try:
            ans = self._engine.answer(question, history)
        finally:
            self.in_flight -= 1
        metrics.ANSWER_SECONDS.observe(time.perf_counter() - t0)
        metrics.ANSWERS.labels(abstained=str(ans.abstained).lower()).inc()
        if ans.abstained:
            metrics.ABSTENTIONS.labels(reason=ans.reason or "unknown").inc()
        log.info("answered", question=ans.question, abstained=ans.abstained, reason=ans.reason,
                 answer_id=ans.answer_id, citations=len(ans.citations), ms=ans.timing_ms.get("total"))
        return ans


class InstrumentedStore:
    """The store as the adapters see it: every call retried through a short database outage, feedback
    counted, and retry de-duplication degraded to memory (not lost answers) while the database is down."""

    NOT_RETRIED = {"ping", "close", "migrate", "hash_user"}

    def __init__(self, store, corpus_hash: str | None = None):
        self._store = store
        self.corpus_hash = corpus_hash
        self._seen_in_memory: dict[tuple[str, str], float] = {}

    def save_answer(self, answer, platform, rendered, user_id=None, **kwargs):
        # The audit trail ties every answer to the exact corpus it was drawn from.
        kwargs.setdefault("corpus_hash", self.corpus_hash)
        return _retrying("save_answer", self._store.save_answer, answer, platform, rendered, user_id, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if not callable(attr) or name in self.NOT_RETRIED or name.startswith("_"):
            return attr

        def retried(*args, **kwargs):
            return _retrying(name, attr, *args, **kwargs)

        return retried

    def list_conversations_once(self, *args, **kwargs):
        """One try, no outage retries: for extras (share targets) that must not hold up an answer."""
        return self._store.list_conversations(*args, **kwargs)

    def add_feedback(self, platform, user_id, answer_id, rating, comment=None):
        result = _retrying("add_feedback", self._store.add_feedback, platform, user_id, answer_id, rating, comment)
        metrics.FEEDBACK.labels(platform=platform, rating="up" if rating > 0 else "down").inc()
        return result

    def claim_event(self, platform: str, event_id: str, *args, **kwargs) -> bool:
        try:
            return _retrying("claim_event", self._store.claim_event, platform, event_id, *args, attempts=3, **kwargs)
        except Exception as e:
            if not _transient(e):
                raise
            # Answer rather than go silent: dedupe in this process until the database is back.
            key = (platform, event_id)
            if key in self._seen_in_memory:
                return False
            if len(self._seen_in_memory) > 50_000:
                self._seen_in_memory.clear()
            self._seen_in_memory[key] = time.time()
            log.warning("dedupe_degraded_to_memory", platform=platform)
            return True


def _transient(e: Exception) -> bool:
    names = {type(x).__name__ for x in (e, e.__cause__, e.__context__) if x is not None}
    return bool(names & {"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError",
                         "ConnectionRefusedError", "ConnectionError"})


def _retrying(op: str, fn, *args, attempts: int = 8, **kwargs):
    """Database calls survive a short outage: retry with backoff (~16 s in all), then report."""
    delay = 0.2
    for i in range(attempts):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if i == attempts - 1 or not _transient(e):
                if _transient(e):
                    metrics.DB_ERRORS.labels(operation=op).inc()
                    log.error("db_call_failed", operation=op, error=type(e).__name__)
                raise
            if i == 0:
                log.warning("db_call_retrying", operation=op, error=type(e).__name__)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def build_senders(settings: Settings) -> dict:
    senders: dict = {}
    if settings.slack_bot_token:
        try:
            from slack_sdk.web.async_client import AsyncWebClient

            from bot.slack.sender import SlackPromptSender

            senders["slack"] = SlackPromptSender(AsyncWebClient(token=settings.slack_bot_token,
                                                                base_url=settings.slack_api_base_url))
        except ImportError as e:
            log.warning("slack_sender_unavailable", error=str(e))
    try:
        from bot.teams.sender import TeamsPromptSender

        senders["teams"] = TeamsPromptSender(settings)
    except ImportError as e:
        log.warning("teams_sender_unavailable", error=str(e))
    return senders


@web.middleware
async def request_context(request: web.Request, handler):
    rid = request.headers.get("X-Request-Id") or logs.new_request_id()
    logs.request_id.set(rid)
    platform = PLATFORM_BY_PATH.get(request.path)
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if platform:
            metrics.REQUESTS.labels(platform=platform, outcome=str(e.status)).inc()
        raise
    except Exception:
        if platform:
            metrics.REQUESTS.labels(platform=platform, outcome="500").inc()
        log.exception("request_failed", path=request.path)
        raise
    if platform:
        metrics.REQUESTS.labels(platform=platform, outcome=str(response.status)).inc()
    return response


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    reasons = []
    if not state.get("engine_ready"):
        reasons.append(state.get("engine_error") or "index and model still loading")
    store = state.get("store")
    if store is None:
        reasons.append("database not configured")
    else:
        try:
            await asyncio.to_thread(store.ping)
        except Exception as e:
            reasons.append(f"database unreachable ({type(e).__name__})")
    if reasons:
        return web.json_response({"ready": False, "reasons": reasons}, status=503)
    return web.json_response({"ready": True, "build_id": state["engine"].build_id})


async def metrics_view(request: web.Request) -> web.Response:
    state = request.app[STATE]
    built = state.get("index_built_at")
    if built:
        metrics.INDEX_AGE.set(time.time() - built)
    return web.Response(body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(settings: Settings, engine=None, store=None, start_scheduler: bool = True,
               clock=None) -> web.Application:
    """The whole server. Pass engine/store to reuse loaded ones (tests); else they load at start-up."""
    app = web.Application(middlewares=[request_context], client_max_size=1024 * 1024)
    state: dict = {"settings": settings, "engine_ready": False}
    app[STATE] = state

    if store is None:
        from bot.storage import open_store

        store = open_store(settings)
    if engine is None:
        from bot.engine import get_engine

        engine = get_engine(settings)
    state["engine"] = InstrumentedEngine(engine)
    state["store"] = InstrumentedStore(store, corpus_hash=engine.retriever.manifest.get("corpus_hash"))
    _add_routes(app, settings, state)
    app.on_startup.append(_warm)
    if start_scheduler:
        app.on_startup.append(lambda a: _start_scheduler(a, clock))
    app.on_shutdown.append(_drain)
    app.on_cleanup.append(_cleanup)
    return app


def _add_routes(app: web.Application, settings: Settings, state: dict) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    engine, store = state["engine"], state["store"]
    try:
        from bot.slack.app import slack_routes

        app.router.add_routes(slack_routes(settings, engine, store))
    except ImportError as e:
        log.warning("slack_unavailable", error=str(e))
    try:
        from bot.teams.app import teams_routes

        app.router.add_routes(teams_routes(settings, engine, store))
    except ImportError as e:
        log.warning("teams_unavailable", error=str(e))


async def _warm(app: web.Application) -> None:
    state = app[STATE]
    # Database calls run in threads and sleep through an outage's retries; with the default 6 (on 2
    # cores), or even 64, every request's dedupe check queued behind them (Teams p99 8.5 s in a 10 s
    # outage at 20 req/s; 2.9 s with 256, for ~40 MB more RSS at the peak; measured).
    # Idle threads cost nothing: the pool only grows while calls are blocked.
    from concurrent.futures import ThreadPoolExecutor

    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=256, thread_name_prefix="hibot"))

    async def warm():
        try:
            await asyncio.to_thread(state["engine"].warm)
            manifest_time = state["engine"].retriever.manifest.get("built_at")
            if manifest_time:
                from datetime import datetime

                state["index_built_at"] = datetime.fromisoformat(manifest_time).timestamp()
            state["engine_ready"] = True
            log.info("ready", build_id=state["engine"].build_id)
        except Exception as e:
            state["engine_error"] = f"engine failed to load ({type(e).__name__})"
            log.exception("engine_failed")

    state["warm_task"] = asyncio.create_task(warm())


async def _start_scheduler(app: web.Application, clock=None) -> None:
    state = app[STATE]
    settings: Settings = state["settings"]
    try:
        from bot.prompts.library import load_library
        from bot.prompts.scheduler import Scheduler

        library = load_library(Path(settings.prompts_dir))
    except Exception as e:  # an invalid library must be loud, but must not take the answers down
        log.error("prompt_library_invalid", error=str(e))
        return
    kwargs = {"clock": clock} if clock else {}
    scheduler = Scheduler(state["store"], state["engine"], library, build_senders(settings),
                          retention_days=settings.retention_days, **kwargs)
    state["scheduler"] = scheduler
    state["scheduler_task"] = asyncio.create_task(scheduler.run_forever())
    log.info("scheduler_started", prompts=len(library))


async def _drain(app: web.Application) -> None:
    """Stop taking new work, let in-flight answers finish (bounded), then stop the scheduler."""
    state = app[STATE]
    task = state.get("scheduler_task")
    if task:
        task.cancel()
    deadline = time.monotonic() + SHUTDOWN_GRACE_S
    while state["engine"].in_flight and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()
               and t.get_name().startswith("hibot-")]
    if pending:
        await asyncio.wait(pending, timeout=max(0.1, deadline - time.monotonic()))


async def _cleanup(app: web.Application) -> None:
    pool = getattr(app[STATE].get("engine"), "answer_pool", None)
    if pool:
        pool.shutdown(wait=False)
    store = app[STATE].get("store")
    dispose = getattr(store, "close", None) or getattr(getattr(store, "engine", None), "dispose", None)
    if dispose:
        dispose()


def run(settings: Settings, host: str | None = None, port: int | None = None, socket_mode: bool = False) -> None:
    logs.configure(settings.log_level)
    if socket_mode:

        app = create_app(settings)
        asyncio.run(_socket_mode(app, settings))
        return
    app = create_app(settings)
    log.info("serving", host=host or settings.host, port=port or settings.port)
    web.run_app(app, host=host or settings.host, port=port or settings.port, print=None,
                shutdown_timeout=SHUTDOWN_GRACE_S, handle_signals=True)


async def _socket_mode(app: web.Application, settings: Settings) -> None:
    from bot.slack.socket_mode import run_socket_mode

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)  # health, metrics and Teams stay on HTTP
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    state = app[STATE]
    task = asyncio.create_task(run_socket_mode(settings, state["engine"], state["store"]))
    await stop.wait()
    task.cancel()
    await runner.cleanup()
