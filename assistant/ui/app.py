"""Serving the chat UI: ``launch(settings, ingest_if_needed)``.

Served on 127.0.0.1 by default, no share link unless asked, optional basic auth (``settings.ui.auth`` =
"user:password", failed sign-ins throttled), no files served beyond the app's own, uploads refused
(``assistant.ui.guard``). The page itself is built in ``assistant.ui.layout``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import gradio as gr
from starlette.middleware import Middleware

from assistant.index.store import IndexUnavailable
from assistant.settings import Settings
from assistant.ui.guard import Guard, LoginThrottle
from assistant.ui.i18n import I18N
from assistant.ui.layout import build_app
from assistant.ui.status import INGEST_COMMAND, index_info
from assistant.ui.style import CSS, HEAD, theme


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:password"`` -> ("user", "password"); None when unset."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("auth must be given as user:password")
    return user, password


def ensure_index(settings: Settings, echo: Callable[[str], None] = print) -> bool:
    """Build the index when there is none yet (first run). Returns True when it ingested."""
    from assistant.index.ingest import ingest
    from assistant.index.store import IndexMissing
    from assistant.retrieve.hybrid import get_retriever

    try:
        get_retriever(settings)
        return False
    except IndexMissing:
        pass
    sources = ", ".join(str(p) for p in settings.sources)
    echo(
        f"No index yet in {settings.index_dir}: building it from {sources} "
        "(first run only; a few minutes on a small CPU)…"
    )
    started = time.perf_counter()
    report = ingest(settings, progress=True)
    echo(f"Indexed {report.records} records ({report.chunks} chunks) in {time.perf_counter() - started:.0f}s.")
    return True


def warm_up(settings: Settings) -> None:
    """Load the embedding model and tokenizers before the first question (a few seconds, once)."""
    from assistant.retrieve.hybrid import get_retriever

    try:
        get_retriever(settings).search("warm up 预热", k=1)
    except IndexUnavailable:
        pass


def launch(
    settings: Settings, ingest_if_needed: bool = False, *, prevent_thread_lock: bool = False, quiet: bool = False
) -> gr.Blocks:
    """Build (ingesting first if asked and needed) and serve the UI. Returns the running Blocks."""
    echo = (lambda _msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if ingest_if_needed:
        ensure_index(settings, echo)
    ui = settings.ui
    auth = parse_auth(ui.auth)
    info = index_info(settings)
    if not info.ok:
        echo(
            f"warning: {info.message}\nThe UI will say so; run `{INGEST_COMMAND}` "
            "(or start with `assistant chat --ingest-if-needed`)."
        )
    demo = build_app(settings, info)
    warm_up(settings)
    demo.queue(default_concurrency_limit=settings.ui.concurrency)
    demo.launch(
        server_name=settings.ui.host,
        server_port=settings.ui.port,
        share=settings.ui.share,
        auth=auth,
        auth_message="Research assistant: sign in" if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=False,
        ssr_mode=False,
        theme=theme(),
        css=CSS,
        head=HEAD,
        footer_links=["api", "settings"],
        i18n=I18N,
        app_kwargs={"middleware": [Middleware(Guard, throttle=LoginThrottle(ui.login_attempts, ui.login_window))]},
    )
    return demo
