"""The Gradio chat UI: ``render`` turns answers into Markdown/HTML (pure, tested alone); ``app`` wires the events."""
