"""The Gradio chat UI. Pure rendering, tested alone: ``views`` (what the UI keeps of an answer), ``markup``
(escaping), ``messages`` (chat Markdown), ``cards`` (sources panel), ``filters``, ``debug``, ``export``,
``feedback``. Gradio: ``style``, ``status`` (the index at start), ``handlers`` (events), ``layout``
(``build_app``) and ``app`` (``launch``)."""
