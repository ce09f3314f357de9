"""The Gradio chat UI: ``build_app(settings)`` and ``launch(settings, ingest_if_needed)``.

The event handlers are thin: they run ``stream_answer`` and hand each state of the answer to the pure
functions of ``assistant.ui.render``. Served on 127.0.0.1 by default, no share link unless asked,
optional basic auth (``settings.ui.auth`` = "user:password"), no files served beyond the app's own.
"""

from __future__ import annotations

import html
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer.chain import QuestionError, stream_answer
from assistant.index.store import IndexUnavailable
from assistant.settings import Settings
from assistant.ui.render import (
    ANY,
    EMPTY_PANEL,
    KIND_LABELS,
    TurnView,
    append_feedback,
    chat_messages,
    feedback_record,
    filters_from_inputs,
    md_escape,
    render_active_filters,
    render_debug,
    render_export,
    sources_panel,
)

log = logging.getLogger(__name__)

EXAMPLES = [
    "which papers work on EEG?",
    "what is LiveClin and how many physicians took part?",
    "哪篇论文研究呼吸音诊断?",
    "list the oral papers",
]
STREAM_INTERVAL_S = 0.05  # at most ~20 UI updates a second while tokens arrive
INGEST_COMMAND = "assistant ingest"

CSS = """
.gradio-container { max-width: 1500px !important; }
#app-title h1 { margin: 0 0 2px 0; font-size: 1.5rem; }
#app-title p { margin: 0; color: var(--body-text-color-subdued); }
.index-warning { border: 1px solid #f59e0b; background: #fffbeb; color: #78350f; padding: 10px 14px;
  border-radius: 8px; }
.index-warning code { background: #fef3c7; }
#sources .src-panel { max-height: 72vh; overflow-y: auto; padding-right: 4px; scroll-behavior: smooth; }
.src-head { font-weight: 600; padding: 4px 0 8px; color: var(--body-text-color); position: sticky; top: 0;
  z-index: 2; background: var(--background-fill-primary); }
.src-card { scroll-margin-top: 64px; }
.src-head q { font-weight: 400; }
.src-note { color: var(--body-text-color-subdued); font-size: 0.92rem; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--block-background-fill); transition: box-shadow .3s, border-color .3s; }
.src-card.cited { border-left: 4px solid var(--color-accent); }
.src-card.unused { opacity: .8; border-style: dashed; }
.src-card.is-target { border-color: #f59e0b; box-shadow: 0 0 0 3px rgba(245, 158, 11, .45);
  animation: src-flash 1.6s ease-out; }
@keyframes src-flash { 0% { background: rgba(245, 158, 11, .28); } 100% { background: var(--block-background-fill); } }
.src-top { display: flex; gap: 8px; align-items: center; font-size: .85rem; margin-bottom: 2px; }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-badge { border-radius: 999px; padding: 0 8px; font-size: .75rem; background: var(--neutral-100);
  color: var(--neutral-600); }
.src-badge.cited { background: var(--color-accent); color: white; }
.src-score { margin-left: auto; color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.src-title { font-weight: 650; font-size: 1rem; line-height: 1.35; margin: 2px 0 4px; }
.src-short { font-weight: 500; font-size: .8rem; padding: 0 6px; border-radius: 6px;
  background: var(--neutral-100); color: var(--neutral-700); vertical-align: middle; }
.src-meta { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px; }
.src-chip { font-size: .75rem; border: 1px solid var(--border-color-primary); border-radius: 999px;
  padding: 0 8px; color: var(--body-text-color-subdued); }
.src-chip.oral { border-color: #16a34a; color: #15803d; }
.src-chip.has-code { border-color: #2563eb; color: #1d4ed8; }
.src-abstract { font-size: .88rem; line-height: 1.45; margin: 4px 0 6px; }
.src-abstract mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.src-code, .src-prov { font-size: .8rem; color: var(--body-text-color-subdued); word-break: break-all; }
.src-prov code { font-size: .75rem; }
.src-older { margin: 8px 0; }
.src-older summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: .9rem; }
.flt-active { font-size: .85rem; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.flt-label { font-weight: 600; }
.flt-none { color: var(--body-text-color-subdued); }
.flt-chip { border-radius: 999px; padding: 1px 8px; background: var(--color-accent-soft);
  border: 1px solid var(--color-accent); }
.flt-chip.from-question { border-style: dashed; }
#chat a[href*="#src-"] { text-decoration: none; font-weight: 600; }
"""

# Clicking a citation [n] scrolls the sources panel to card #src-n and highlights it.
HEAD = """
<script>
(function () {
  function reveal(id) {
    var card = document.getElementById(id);
    if (!card) { return false; }
    var folded = card.closest('details');
    if (folded) { folded.open = true; }
    document.querySelectorAll('.src-card.is-target').forEach(function (c) { c.classList.remove('is-target'); });
    void card.offsetWidth;
    card.classList.add('is-target');
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    return true;
  }
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[href*="#src-"]') : null;
    if (!link) { return; }
    var hash = (link.getAttribute('href') || '').split('#').pop();
    if (!/^src-[a-z0-9-]+$/.test(hash)) { return; }
    event.preventDefault();
    event.stopPropagation();
    reveal(hash);
  }, true);
})();
</script>
"""


def theme() -> gr.themes.Theme:
    return gr.themes.Soft(primary_hue="teal", neutral_hue="slate")


@dataclass
class IndexInfo:
    """What the UI knows about the index at start: whether it is usable, and the filter choices."""

    ok: bool
    message: str = ""
    records: int = 0
    choices: dict[str, list[str]] = field(default_factory=dict)


def index_info(settings: Settings) -> IndexInfo:
    """Open the index (loading the retriever once) and read the filter choices from its catalog."""
    from assistant.retrieve.hybrid import get_retriever

    try:
        catalog = get_retriever(settings).catalog
    except IndexUnavailable as exc:
        return IndexInfo(False, str(exc))
    metas = catalog.metas
    return IndexInfo(
        True,
        records=len(catalog.records),
        choices={
            "kind": sorted({m["kind"] for m in metas if m.get("kind")}),
            "venue": list(catalog.venues),
            "presentation": sorted({m["presentation"] for m in metas if m.get("presentation")}),
            "year": sorted({str(m["year"]) for m in metas if m.get("year")}, reverse=True),
            "track": list(catalog.tracks),
        },
    )


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:password"`` -> ("user", "password"); None when unset."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("auth must be given as user:password")
    return user, password


def _notice_view(question: str, notice: str, backend: str) -> TurnView:
    return TurnView(question=question, notice=notice, backend=backend)


def index_notice(exc: Exception) -> str:
    return (
        f"⚠️ **The index is not available.** Build it with `{INGEST_COMMAND}` (or `make ingest`), "
        f"then ask again.\n\nDetails: {md_escape(str(exc))}"
    )


class Handlers:
    """The event handlers, bound to one Settings (kept thin: the work is in stream_answer and render)."""

    def __init__(self, settings: Settings, export_dir: Path) -> None:
        self.settings, self.export_dir = settings, export_dir

    def ask(
        self,
        question: str,
        turns: list[TurnView] | None,
        backend: str,
        kind: str,
        venue: str,
        presentation: str,
        year: str,
        track: str,
        has_code: bool,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer. Outputs: chat, sources HTML, debug, active filters, question box, state."""
        turns = list(turns or [])
        filters = filters_from_inputs(kind, venue, presentation, year, track, has_code)
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
            return
        history = [t.question for t in turns if not t.notice]
        pending = TurnView(question=question, backend=backend, pending=True, explicit_filters=filters.active())
        yield (chat_messages(turns + [pending]), gr.skip(), gr.skip(), gr.skip(), "", turns)
        try:
            text, last = "", 0.0
            for event, payload in stream_answer(
                question, history, settings=self.settings, backend=backend, filters=filters
            ):
                if event == "sources":
                    turn = payload
                    pending = TurnView.from_turn(turn, text="", pending=True)
                    yield (
                        chat_messages(turns + [pending]),
                        sources_panel(turns + [pending]),
                        render_debug(pending),
                        self._active(pending),
                        "",
                        turns,
                    )
                elif event == "token":
                    text += payload
                    if time.perf_counter() - last >= STREAM_INTERVAL_S:
                        last = time.perf_counter()
                        pending = TurnView.from_turn(turn, text=text, pending=True)
                        yield (chat_messages(turns + [pending]), gr.skip(), gr.skip(), gr.skip(), "", turns)
                elif event == "done":
                    done = TurnView.from_turn(payload)
                    turns = turns + [done]
                    yield (
                        chat_messages(turns),
                        sources_panel(turns),
                        render_debug(done),
                        self._active(done),
                        "",
                        turns,
                    )
        except QuestionError as exc:
            turns = turns + [_notice_view(question, f"⚠️ {md_escape(str(exc))}", backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
        except IndexUnavailable as exc:
            turns = turns + [_notice_view(question, index_notice(exc), backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)
        except Exception as exc:  # the UI must stay usable whatever the chain does
            log.error("answering %r failed:\n%s", question, traceback.format_exc())
            notice = f"⚠️ **Something went wrong while answering:** {md_escape(f'{type(exc).__name__}: {exc}')}"
            turns = turns + [_notice_view(question, notice, backend)]
            yield (chat_messages(turns), sources_panel(turns), gr.skip(), gr.skip(), "", turns)

    @staticmethod
    def _active(view: TurnView) -> str:
        return render_active_filters(view.explicit_filters, view.recognised_filters)

    def new_chat(
        self, kind: str, venue: str, presentation: str, year: str, track: str, has_code: bool
    ) -> tuple[Any, ...]:
        """Forget the conversation (filters stay). Outputs: chat, sources, debug, active filters, box, state, file."""
        active = filters_from_inputs(kind, venue, presentation, year, track, has_code).active()
        return [], EMPTY_PANEL, {}, render_active_filters(active), "", [], gr.File(value=None, visible=False)

    def export(self, turns: list[TurnView] | None) -> str | None:
        """Write the conversation as Markdown; returns the file's path (offered as a download)."""
        turns = list(turns or [])
        if not turns:
            gr.Warning("Nothing to export yet: ask a question first.")
            return None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"conversation-{stamp}-{time.monotonic_ns() % 10**6}.md"
        path.write_text(render_export(turns), encoding="utf-8")
        return str(path)

    @staticmethod
    def show_filters(kind: str, venue: str, presentation: str, year: str, track: str, has_code: bool) -> str:
        return render_active_filters(filters_from_inputs(kind, venue, presentation, year, track, has_code).active())

    @staticmethod
    def clear_filters() -> tuple[Any, ...]:
        return ANY, ANY, ANY, ANY, ANY, False, render_active_filters({})

    def feedback(self, turns: list[TurnView] | None, data: gr.LikeData) -> None:
        """Append a thumbs up/down for an answer to settings.feedback_file (JSON lines)."""
        turns = list(turns or [])
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        position = int(index) // 2  # each turn is a user message then an assistant message
        if not 0 <= position < len(turns):
            return
        vote = "up" if data.liked is True else "down" if data.liked is False else str(data.liked)
        append_feedback(self.settings.feedback_file, feedback_record(turns[position], vote))
        gr.Info("Thanks for the feedback.")


def _dropdown(label: str, values: list[str], elem_id: str, labels: dict[str, str] | None = None) -> gr.Dropdown:
    choices = [(ANY, ANY)] + [((labels or {}).get(v, v), v) for v in values]
    return gr.Dropdown(choices=choices, value=ANY, label=label, elem_id=elem_id, min_width=120, interactive=True)


def build_app(settings: Settings, info: IndexInfo | None = None) -> gr.Blocks:
    """The chat UI as a Blocks app (not launched)."""
    info = info or index_info(settings)
    handlers = Handlers(settings, Path(tempfile.mkdtemp(prefix="assistant-export-")))
    model_label = f"OpenAI-compatible: {settings.llm.model}"
    with gr.Blocks(title="Research assistant · medical-AI papers", analytics_enabled=False) as demo:
        turns = gr.State([])
        status = (
            f"{info.records} records indexed · answers cite their sources as [n]: click one to see its card."
            if info.ok
            else "No index yet."
        )
        gr.Markdown(f"# Research assistant · medical-AI papers\n{status}", elem_id="app-title")
        if not info.ok:
            gr.HTML(
                f'<div class="index-warning"><b>The index is not available.</b> Run '
                f"<code>{INGEST_COMMAND}</code> in a terminal, then ask again (restart the UI, or start it with "
                f"<code>assistant chat --ingest-if-needed</code>, to get the filter choices too)."
                f"<br><small>{html.escape(info.message)}</small></div>",
                elem_id="index-warning",
                js_on_load=None,
            )
        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=420):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    elem_id="chat",
                    height=540,
                    sanitize_html=True,
                    allow_tags=False,
                    render_markdown=True,
                    line_breaks=True,
                    layout="bubble",
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    group_consecutive_messages=False,
                    placeholder="Ask about the indexed papers, in English or 中文. Each answer cites its sources.",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question… (English or 中文)",
                        lines=1,
                        max_lines=4,
                        scale=8,
                        elem_id="question",
                        autofocus=True,
                    )
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                with gr.Row(equal_height=True):
                    backend = gr.Radio(
                        choices=[("Extractive (offline)", "extractive"), (model_label, "openai")],
                        value=settings.answer.backend,
                        label="Answer with",
                        elem_id="backend",
                        scale=4,
                    )
                    with gr.Column(scale=1, min_width=130):
                        new_btn = gr.Button("New chat", elem_id="new-chat", size="sm")
                        export_btn = gr.Button("Export (.md)", elem_id="export", size="sm")
                gr.Examples(
                    examples=[[q] for q in EXAMPLES],
                    inputs=[question],
                    label="Examples",
                    examples_per_page=len(EXAMPLES),
                )
                export_file = gr.File(
                    label="Conversation export (Markdown)", interactive=False, elem_id="export-file", visible=False
                )
            with gr.Column(scale=5, min_width=360):
                with gr.Accordion("Filters", open=True, elem_id="filters"):
                    with gr.Row():
                        kind = _dropdown("Kind", info.choices.get("kind", []), "flt-kind", KIND_LABELS)
                        venue = _dropdown("Venue", info.choices.get("venue", []), "flt-venue")
                        presentation = _dropdown(
                            "Oral / poster", info.choices.get("presentation", []), "flt-presentation"
                        )
                    with gr.Row(equal_height=True):
                        year = _dropdown("Year", info.choices.get("year", []), "flt-year")
                        track = _dropdown("Track", info.choices.get("track", []), "flt-track")
                        with gr.Column(min_width=120):
                            has_code = gr.Checkbox(label="Has code", value=False, elem_id="flt-has-code")
                            clear_btn = gr.Button("Clear filters", size="sm", elem_id="clear-filters")
                    active = gr.HTML(render_active_filters({}), elem_id="active-filters", js_on_load=None)
                sources = gr.HTML(EMPTY_PANEL, elem_id="sources", js_on_load=None)
                with gr.Accordion("Debug", open=False, elem_id="debug"):
                    debug = gr.JSON(label="Last answer", value={})

        filter_inputs = [kind, venue, presentation, year, track, has_code]
        ask_inputs = [question, turns, backend, *filter_inputs]
        ask_outputs = [chatbot, sources, debug, active, question, turns]
        ask_btn.click(
            handlers.ask, ask_inputs, ask_outputs, api_name="ask", show_progress="minimal", trigger_mode="once"
        )
        question.submit(
            handlers.ask,
            ask_inputs,
            ask_outputs,
            api_visibility="private",
            show_progress="minimal",
            trigger_mode="once",
        )
        new_btn.click(
            handlers.new_chat,
            filter_inputs,
            [chatbot, sources, debug, active, question, turns, export_file],
            api_name="new_chat",
        )
        export_btn.click(handlers.export, [turns], [export_file], api_name="export").then(
            lambda path: gr.File(visible=bool(path)),
            [export_file],
            [export_file],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )
        clear_btn.click(handlers.clear_filters, None, [*filter_inputs, active], api_name="clear_filters")
        for control in filter_inputs:
            control.change(
                handlers.show_filters,
                filter_inputs,
                [active],
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )
        chatbot.like(handlers.feedback, [turns], None, api_visibility="private", show_progress="hidden")
    return demo


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
    auth = parse_auth(settings.ui.auth)
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
    )
    return demo
