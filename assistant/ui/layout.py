"""The chat UI's components and their wiring: ``build_app(settings)`` returns the Blocks (not launched)."""

from __future__ import annotations

import html
import secrets
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.records.model import KIND_LABELS
from assistant.settings import Settings
from assistant.ui.cards import EMPTY_PANEL
from assistant.ui.chats import Chats, listed_chats
from assistant.ui.conversations import ConversationStore
from assistant.ui.filters import ANY, render_active_filters, track_choices
from assistant.ui.handlers import Answering
from assistant.ui.i18n import t
from assistant.ui.session import ChatSession
from assistant.ui.status import INGEST_COMMAND, IndexInfo, backend_status, check_connection, index_info, llm_configured

EXAMPLES = [
    "which papers work on EEG?",
    "what is LiveClin and how many physicians took part?",
    "哪篇论文研究呼吸音诊断?",
    "list the oral papers",
]


# Runs in the page before the question is sent (its inputs are already read): the box is free at once, and
# text typed while earlier questions are answered is never overwritten.
CLEAR_BOX = """(...inputs) => {
  const box = document.querySelector('#question textarea');
  if (box) { box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true})); }
  return inputs;
}"""


def _dropdown(label: str, choices: list[tuple[str, str]], elem_id: str) -> gr.Dropdown:
    return gr.Dropdown(
        choices=[(ANY, ANY), *choices], value=ANY, label=t(label), elem_id=elem_id, min_width=120, interactive=True
    )


def _plain(values: list[str], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return [((labels or {}).get(v, v), v) for v in values]


def browser_secret(settings: Settings) -> str:
    """The key the browser's copy of the open chat id is encrypted with: kept in the data dir, so a chat
    reopens after a reload and after a restart of the server."""
    path = settings.data_dir / "ui-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def build_app(settings: Settings, info: IndexInfo | None = None) -> gr.Blocks:
    """The chat UI as a Blocks app (not launched)."""
    info = info or index_info(settings)
    store = ConversationStore(settings.conversations_file)
    answering = Answering(settings, store)
    chats_h = Chats(settings, store, Path(tempfile.mkdtemp(prefix="assistant-export-")))
    model_label = f"OpenAI-compatible: {settings.llm.model}" + ("" if llm_configured(settings) else " (not configured)")
    with gr.Blocks(title="Research assistant · medical-AI papers", analytics_enabled=False) as demo:
        session = gr.State(ChatSession())
        stored = gr.BrowserState("", storage_key="assistant-open-chat", secret=browser_secret(settings))
        with gr.Sidebar(label="Chats", open=True, elem_id="sidebar", width=280):
            new_btn = gr.Button(t("new_chat"), elem_id="new-chat", variant="primary", size="sm")
            chat_list = gr.Radio(
                choices=listed_chats(store, None)[0], label=t("chat_list"), elem_id="chats", interactive=True
            )
            title_box = gr.Textbox(label=t("title"), elem_id="chat-title", max_lines=1)
            with gr.Row():
                rename_btn = gr.Button(t("rename"), elem_id="rename-chat", size="sm")
                delete_btn = gr.Button(t("delete"), elem_id="delete-chat", size="sm", variant="stop")
            export_btn = gr.Button(t("export"), elem_id="export", size="sm")
            export_file = gr.File(label=t("export_file"), interactive=False, elem_id="export-file", visible=False)
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
            with gr.Column(scale=6, min_width=340):
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
                    placeholder=t("chat_placeholder"),  # type: ignore[arg-type]  # typed str; translated in the page
                )
                with gr.Row(equal_height=True, elem_id="ask-row"):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder=t("question"),
                        lines=1,
                        max_lines=4,
                        scale=8,
                        min_width=220,
                        elem_id="question",
                        autofocus=True,
                    )
                    with gr.Column(scale=2, min_width=160, elem_id="ask-buttons"), gr.Row():  # below it on a phone
                        ask_btn = gr.Button(t("ask"), variant="primary", min_width=60, elem_id="ask")
                        stop_btn = gr.Button(t("stop"), variant="stop", min_width=60, elem_id="stop")
                gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], examples_per_page=len(EXAMPLES))
                with gr.Row(equal_height=False, elem_id="backend-row"):
                    backend = gr.Radio(
                        choices=[("Extractive (offline)", "extractive"), (model_label, "openai")],
                        value=settings.answer.backend,
                        label=t("answer_with"),
                        elem_id="backend",
                        scale=4,
                    )
                    test_btn = gr.Button(t("test_connection"), elem_id="test-connection", size="sm", scale=1)
                gr.Markdown(backend_status(settings), elem_id="backend-status")
                connection = gr.Markdown("", elem_id="connection-result")
            with gr.Column(scale=5, min_width=340):
                with gr.Accordion(t("filters"), open=True, elem_id="filters"):
                    with gr.Row():
                        kind = _dropdown("kind", _plain(info.choices.get("kind", []), KIND_LABELS), "flt-kind")
                        venue = _dropdown("venue", _plain(info.choices.get("venue", [])), "flt-venue")
                        presentation = _dropdown(
                            "presentation", _plain(info.choices.get("presentation", [])), "flt-presentation"
                        )
                    with gr.Row(equal_height=True):
                        year = _dropdown("year", _plain(info.choices.get("year", [])), "flt-year")
                        track = _dropdown("track", track_choices(info.choices.get("track", [])), "flt-track")
                        with gr.Column(min_width=120):
                            has_code = gr.Checkbox(label=t("has_code"), value=False, elem_id="flt-has-code")
                            clear_btn = gr.Button(t("clear_filters"), size="sm", elem_id="clear-filters")
                    active = gr.HTML(render_active_filters({}), elem_id="active-filters", js_on_load=None)
                sources = gr.HTML(EMPTY_PANEL, elem_id="sources", js_on_load=None)
                with gr.Accordion(t("debug"), open=False, elem_id="debug"):
                    debug = gr.JSON(label=t("last_answer"), value={})

        filter_inputs: list[gr.Dropdown | gr.Checkbox] = [kind, venue, presentation, year, track, has_code]
        answer_outputs = [chatbot, sources, debug, active, chat_list]
        opened_outputs = [chatbot, sources, debug, chat_list, title_box, export_file, stored]
        for trigger, api in ((ask_btn.click, "ask"), (question.submit, None)):
            trigger(
                answering.ask,
                [question, session, backend, *filter_inputs],
                [stored, *answer_outputs],
                js=CLEAR_BOX,  # emptied in the page as the question leaves: the server never writes the box
                api_name=api,
                api_visibility="public" if api else "private",
                show_progress="hidden",
                trigger_mode="multiple",  # every question is kept: those sent meanwhile wait their turn
            )
        # instant handlers: no queue, and no progress overlay or timer flashing over the chat and the sidebar
        instant: dict[str, Any] = {"queue": False, "show_progress": "hidden"}
        private: dict[str, Any] = {"api_visibility": "private", **instant}
        stop_btn.click(answering.stop, [session], [chatbot, sources, chat_list], api_name="stop", **instant)
        chatbot.retry(
            answering.regenerate,
            [session, backend, *filter_inputs],
            answer_outputs,
            api_visibility="private",
            show_progress="hidden",  # the answer streams in, as for a question sent
        )
        new_btn.click(chats_h.new_chat, [session], opened_outputs, api_name="new_chat", **instant)
        chatbot.clear(chats_h.new_chat, [session], opened_outputs, **private)
        demo.load(chats_h.restore, [stored, session], opened_outputs, **private)
        chat_list.input(chats_h.open, [chat_list, session], opened_outputs, **private)
        chat_list.change(chats_h.title_of, [chat_list], [title_box], **private)  # e.g. a first answer saved it
        rename_btn.click(chats_h.rename, [title_box, session], [chat_list], **private)
        delete_btn.click(chats_h.delete, [session], opened_outputs, **private)
        export_btn.click(chats_h.export, [session], [export_file], api_name="export").then(
            lambda path: gr.File(visible=bool(path)), [export_file], [export_file], **private
        )
        test_btn.click(lambda: check_connection(settings), None, [connection], api_name="test_connection")
        clear_btn.click(chats_h.clear_filters, None, [*filter_inputs, active], api_name="clear_filters")
        for control in filter_inputs:
            control.change(chats_h.show_filters, filter_inputs, [active], **private)
        chatbot.like(chats_h.feedback, [session], None, api_visibility="private", show_progress="hidden")
    return demo
