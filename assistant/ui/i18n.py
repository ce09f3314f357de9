"""The UI's labels in English and Chinese; the browser's language picks one (Gradio's I18n, looked up in the
page). Record text, answers and questions are never translated."""

from __future__ import annotations

import gradio as gr

LABELS: dict[str, tuple[str, str]] = {  # key: (English, 中文)
    "ask": ("Ask", "提问"),
    "stop": ("Stop", "停止"),
    "question": ("Ask a question… (English or 中文)", "输入问题…(中文或 English)"),
    "chat_placeholder": (
        "Ask about the indexed papers, in English or 中文. Each answer cites its sources.",
        "用中文或英文询问已收录的论文;每个回答都会标注来源。",
    ),
    "answer_with": ("Answer with", "回答方式"),
    "test_connection": ("Test connection", "测试连接"),
    "chats": ("Chats", "对话"),
    "chat_list": ("Earlier chats (newest first)", "历史对话(最新在前)"),
    "new_chat": ("New chat", "新对话"),
    "title": ("Title of this chat", "对话标题"),
    "rename": ("Rename", "重命名"),
    "delete": ("Delete chat", "删除对话"),
    "export": ("Export (.md)", "导出 (.md)"),
    "export_file": ("Conversation export (Markdown)", "导出的对话 (Markdown)"),
    "examples": ("Examples", "示例"),
    "filters": ("Filters", "筛选"),
    "kind": ("Kind", "类型"),
    "venue": ("Venue", "会议/期刊"),
    "presentation": ("Oral / poster", "口头 / 海报"),
    "year": ("Year", "年份"),
    "track": ("Track", "方向"),
    "has_code": ("Has code", "有代码"),
    "clear_filters": ("Clear filters", "清除筛选"),
    "debug": ("Debug", "调试"),
    "last_answer": ("Last answer", "上一个回答"),
}

I18N = gr.I18n(en={k: v[0] for k, v in LABELS.items()}, zh={k: v[1] for k, v in LABELS.items()})


def t(key: str) -> gr.i18n.I18nData:
    """The label ``key``, translated in the browser."""
    return I18N(key)
