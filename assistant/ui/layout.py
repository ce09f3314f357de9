"""The chat UI's components and their wiring: ``build_app(settings)`` returns the Blocks (not launched)."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import gradio as gr

from assistant.records.model import KIND_LABELS
from assistant.settings import Settings
from assistant.ui.cards import EMPTY_PANEL
from assistant.ui.filters import ANY, render_active_filters
from assistant.ui.handlers import Handlers
from assistant.ui.status import INGEST_COMMAND, IndexInfo, index_info

EXAMPLES = [
    "which papers work on EEG?",
    "what is LiveClin and how many physicians took part?",
    "哪篇论文研究呼吸音诊断?",
    "list the oral papers",
]


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

        filter_inputs: list[gr.Dropdown | gr.Checkbox] = [kind, venue, presentation, year, track, has_code]
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
