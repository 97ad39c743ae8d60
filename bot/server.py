"""`hibot serve`: one aiohttp process for Slack events, Teams messages, health, readiness, metrics
and the weekly-prompt scheduler.

Everything it serves with is built once by the composition root (bot/runtime.py): the engine and
index (warmed before /readyz says 200), the store, Slack's client and Teams' connector. Adapters get
the instrumented engine and store, so metrics need no platform code.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import logs, metrics
from bot.config import Settings
from bot.engine_cache import load_build
from bot.index_watch import IndexWatcher
from bot.preflight import StartupError, check_data_dir, load_engine, write_problems
from bot.runtime import LoadedEngine, Runtime, build_runtime
from bot.runtime import build_senders as build_senders  # `hibot prompts send-due` imports it from here
from bot.storage import open_store

log = logs.get_logger("hibot.server")
STATE = web.AppKey("state", dict)
RUNTIME = web.AppKey("runtime", Runtime)
PLATFORM_BY_PATH = {"/slack/events": "slack", "/api/messages": "teams"}
SHUTDOWN_GRACE_S = 20


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
    state, runtime = request.app[STATE], request.app[RUNTIME]
    reasons = []
    if not state.get("engine_ready"):
        reasons.append(state.get("engine_error") or "index and model still loading")
    try:
        await asyncio.to_thread(runtime.store.ping)
    except Exception as e:
        reasons.append(f"database unreachable ({type(e).__name__})")
    reasons += await asyncio.to_thread(write_problems, runtime.settings, runtime.store.outbox_pending())
    if reasons:
        return web.json_response({"ready": False, "reasons": reasons}, status=503)
    return web.json_response({"ready": True, "build_id": runtime.engine.build_id})


async def metrics_view(request: web.Request) -> web.Response:
    state = request.app[STATE]
    built = state.get("index_built_at")
    if built:
        metrics.INDEX_AGE.set(time.time() - built)
    metrics.SERVING_BUILD.info({"build_id": request.app[RUNTIME].engine.build_id})  # read, as /readyz
    return web.Response(body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(
    settings: Settings,
    engine=None,
    store=None,
    start_scheduler: bool = True,
    clock=None,
    watch_index: bool = False,
) -> web.Application:
    """The whole server. Pass engine/store to reuse loaded ones (tests); else they load at start-up.
    `watch_index`: swap in each new build of settings.index_dir while serving (bot/index_watch.py)."""
    app = web.Application(middlewares=[request_context], client_max_size=1024 * 1024)
    runtime = build_runtime(settings, engine, store)
    app[RUNTIME] = runtime
    app[STATE] = {"engine_ready": False}  # what start-up and the scheduler have done so far
    _add_routes(app, runtime)
    app.on_startup.append(_warm)
    if watch_index and settings.index_poll_s > 0:
        app.on_startup.append(_start_index_watch)
        app.on_startup.append(_start_build_coordinator)
    if start_scheduler:
        app.on_startup.append(lambda a: _start_scheduler(a, clock))
    app.on_shutdown.append(_drain)
    app.on_cleanup.append(_cleanup)
    return app


def _add_routes(app: web.Application, runtime: Runtime) -> None:
    from bot.slack.app import slack_routes
    from bot.teams.app import teams_routes

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    settings, engine, store, platforms = runtime.settings, runtime.engine, runtime.store, runtime.platforms
    app.router.add_routes(slack_routes(settings, engine, store, platforms.slack_client, engine.pool))
    app.router.add_routes(
        teams_routes(settings, engine, store, platforms.teams, engine.pool, platforms.teams_error)
    )


async def _warm(app: web.Application) -> None:
    state, engine = app[STATE], app[RUNTIME].engine
    # Database calls run in threads and sleep through an outage's retries; with the default 6 (on 2
    # cores), or even 64, every request's dedupe check queued behind them (Teams p99 8.5 s in a 10 s
    # outage at 20 req/s; 2.9 s with 256, for ~40 MB more RSS at the peak; measured).
    # Idle threads cost nothing: the pool only grows while calls are blocked.
    from concurrent.futures import ThreadPoolExecutor

    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=256, thread_name_prefix="hibot")
    )

    async def warm():
        try:
            await asyncio.to_thread(engine.warm)
            _note_build_time(state, engine.manifest)
            state["engine_ready"] = True
            log.info("ready", build_id=engine.build_id)
        except Exception as e:
            state["engine_error"] = f"engine failed to load ({type(e).__name__})"
            log.exception("engine_failed")

    state["warm_task"] = asyncio.create_task(warm())


def _note_build_time(state: dict, manifest: dict) -> None:
    built = manifest.get("built_at")
    if built:
        state["index_built_at"] = datetime.fromisoformat(built).timestamp()


async def _start_index_watch(app: web.Application) -> None:
    """Poll index/CURRENT; a new build is loaded in a thread and swapped in whole (bot/index_watch.py)."""
    state, runtime = app[STATE], app[RUNTIME]
    settings = runtime.settings

    def swapped(fresh: LoadedEngine) -> None:
        runtime.store.corpus_hash = fresh.manifest.get("corpus_hash")  # the audit trail's corpus
        _note_build_time(state, fresh.manifest)

    watcher = IndexWatcher(
        Path(settings.index_dir),
        runtime.engine,
        lambda build: load_build(settings, Path(settings.index_dir), build),
        on_swap=swapped,
        interval_s=settings.index_poll_s,
    )
    state["index_watch_task"] = asyncio.create_task(watcher.run_forever())


async def _start_build_coordinator(app: web.Application) -> None:
    """Builds shared by replicas (bot/sources/coordinator.py): fetch the database's current build into
    this index (the watcher above swaps it in), and build requested ones when this replica holds the
    build lease."""
    from bot.sources.coordinator import BuildCoordinator, can_build

    runtime = app[RUNTIME]
    settings = runtime.settings
    cannot = await asyncio.to_thread(can_build)
    coordinator = BuildCoordinator(
        runtime.store, Path(settings.index_dir), Path(settings.corpus_dir), cannot_build=cannot
    )
    app[STATE]["build_coordinator"] = coordinator
    app[STATE]["build_task"] = asyncio.create_task(coordinator.run_forever())


async def _start_scheduler(app: web.Application, clock=None) -> None:
    state, runtime = app[STATE], app[RUNTIME]
    settings = runtime.settings
    try:
        from bot.prompts.library import load_library
        from bot.prompts.scheduler import Scheduler

        library = load_library(Path(settings.prompts_dir))
    except Exception as e:  # an invalid library must be loud, but must not take the answers down
        log.error("prompt_library_invalid", error=str(e))
        return
    kwargs = {"clock": clock} if clock else {}
    scheduler = Scheduler(
        runtime.store,
        runtime.engine,
        library,
        runtime.senders,
        retention_days=settings.retention_days,
        digest=_digest(runtime, kwargs),
        **kwargs,
    )
    state["scheduler"] = scheduler
    state["scheduler_task"] = asyncio.create_task(scheduler.run_forever())
    log.info("scheduler_started", prompts=len(library))


def _digest(runtime: Runtime, kwargs: dict):
    """The weekly leads digest (bot/report/digest.py), or None when HIBOT_DIGEST is off or unreadable."""
    from bot.report.digest import DigestJob  # the report and its chart: only when the scheduler runs

    try:
        job = DigestJob(runtime.store, runtime.settings, runtime.platforms.digest_senders(), **kwargs)
    except ValueError as e:
        log.error("digest_schedule_invalid", error=str(e))
        return None
    return job if job.schedule is not None else None


async def _drain(app: web.Application) -> None:
    """Stop taking new work, let in-flight answers finish (bounded), then stop the scheduler."""
    state = app[STATE]
    for name in ("scheduler_task", "index_watch_task", "build_task"):
        task = state.get(name)
        if task:
            task.cancel()
    deadline = time.monotonic() + SHUTDOWN_GRACE_S
    while app[RUNTIME].engine.in_flight and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    pending = [
        t
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task() and not t.done() and t.get_name().startswith("hibot-")
    ]
    if pending:
        await asyncio.wait(pending, timeout=max(0.1, deadline - time.monotonic()))


async def _cleanup(app: web.Application) -> None:
    app[RUNTIME].close()


def _checked_app(settings: Settings) -> web.Application:
    """The app, after the start-up checks (bot/preflight.py): a fixable problem is one log line."""
    try:
        check_data_dir(settings)
        store = open_store(settings)
        if settings.index_poll_s > 0:  # serve the build the replicas share (bot/sources/coordinator.py)
            from bot.sources.coordinator import sync_at_start

            sync_at_start(store, Path(settings.index_dir))
        return create_app(settings, engine=load_engine(settings), store=store, watch_index=True)
    except StartupError as e:
        log.error("startup_failed", reason=str(e))
        raise SystemExit(1) from None
    except Exception as e:
        if type(e).__name__ != "OperationalError":
            raise
        log.error(
            "startup_failed", reason=f"database unreachable at start-up ({str(e).splitlines()[0][:200]})"
        )
        raise SystemExit(1) from None


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def listen_host(settings: Settings, host: str | None = None, socket_mode: bool = False) -> str:
    """Where to listen. With no MicrosoftAppId the Teams endpoint is unauthenticated (emulator mode), so
    unless HIBOT_ALLOW_UNAUTHENTICATED_TEAMS=true it must not face the network: bind loopback, except
    when Slack over HTTP needs the public port, where the Teams endpoint then answers loopback peers only
    (bot/teams/app.py)."""
    chosen = host or settings.host
    if settings.microsoft_app_id or settings.allow_unauthenticated_teams or chosen in LOOPBACK_HOSTS:
        return chosen
    if settings.slack_signing_secret and not socket_mode:
        log.warning("teams_emulator_loopback_peers_only", host=chosen)
        return chosen
    log.warning("teams_emulator_binds_loopback", requested=chosen)
    return "127.0.0.1"


def run(
    settings: Settings, host: str | None = None, port: int | None = None, socket_mode: bool = False
) -> None:
    logs.configure(settings.log_level)
    app = _checked_app(settings)
    if socket_mode:
        asyncio.run(_socket_mode(app, settings))
        return
    host = listen_host(settings, host)
    log.info("serving", host=host, port=port or settings.port)
    web.run_app(
        app,
        host=host,
        port=port or settings.port,
        print=None,
        shutdown_timeout=SHUTDOWN_GRACE_S,
        handle_signals=True,
    )


async def _socket_mode(app: web.Application, settings: Settings) -> None:
    from bot.slack.socket_mode import run_socket_mode

    runner = web.AppRunner(app)
    await runner.setup()
    # health, metrics and Teams stay on HTTP
    site = web.TCPSite(runner, listen_host(settings, socket_mode=True), settings.port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runtime = app[RUNTIME]
    task = asyncio.create_task(
        run_socket_mode(
            settings, runtime.engine, runtime.store, runtime.platforms.slack_client, runtime.engine.pool
        )
    )
    await stop.wait()
    task.cancel()
    await runner.cleanup()
