"""The openai backend ties claims to sentence ids: ids are checked, a claim with none valid is marked in the text."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from assistant.answer import answer
from assistant.answer.markers import CITATION
from assistant.answer.prompts import load_prompts
from assistant.answer.sentences import split_sentences
from assistant.answer.tagged import UNSUPPORTED
from assistant.settings import Settings
from tests.servers import FaultServer, LlamaServer


def llm(seed: Settings, base_url: str, model: str, **extra: object) -> Settings:
    values = {"base_url": base_url, "model": model, "api_key": SecretStr("sk-test"), "backend": "openai"}
    return seed.replace(**(values | {"timeout": 60.0, "max_retries": 1, "context_tokens": 700} | extra))


def test_sources_go_out_as_numbered_sentences(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer="LiveClin involves 239 physicians [S2].")
    turn = answer(
        "How many physicians took part in LiveClin?", settings=llm(seed_settings, *fault_server_args(fault_server))
    )
    prompt = json.dumps(fault_server.last_body, ensure_ascii=False)
    assert "[S1]" in prompt and "[S2]" in prompt and '<source n=\\"1\\">' in prompt
    assert "[S" not in turn.text and "[1]" in turn.text  # the id became its source's marker
    assert turn.citations[0]["sentence_ids"] and turn.citations[0]["quotes"]


def fault_server_args(server: FaultServer) -> tuple[str, str]:
    return server.base_url, server.model


def test_invalid_and_missing_ids_are_marked_in_the_answer(seed_settings: Settings, fault_server: FaultServer) -> None:
    fault_server.set_mode("ok", answer="LiveClin is a live benchmark [S1]. It won a prize [S99]. It is famous.")
    turn = answer("What is LiveClin?", settings=llm(seed_settings, *fault_server_args(fault_server)))
    sentences = split_sentences(turn.text)
    assert sentences[0] == "LiveClin is a live benchmark [1]."
    assert sentences[1] == f"It won a prize {UNSUPPORTED['en']}." and sentences[2].endswith(f"{UNSUPPORTED['en']}.")
    assert turn.invalid_citations == [99]
    assert turn.unsupported == ["It won a prize.", "It is famous."]


def test_a_chinese_answer_over_english_sources_is_checked_by_id(
    seed_settings: Settings, fault_server: FaultServer
) -> None:
    fault_server.set_mode("ok", answer="LiveClin 是一个实时临床基准 [S1]。它获得了大奖。")
    turn = answer("LiveClin 是什么?", settings=llm(seed_settings, *fault_server_args(fault_server)))
    first, second = split_sentences(turn.text)[:2]
    assert first.endswith("[1]。") or first.endswith("[1]"), first
    assert second == f"它获得了大奖 {UNSUPPORTED['zh']}。"
    assert turn.unsupported == ["它获得了大奖。"]


@pytest.mark.slow
def test_llama_server_answer_every_claim_has_a_valid_id_or_is_marked(
    seed_settings: Settings, llama_server: LlamaServer
) -> None:
    """SmolLM2 writes fluent, often wrong text: assert the mechanics, not the wisdom."""
    settings = llm(
        seed_settings, llama_server.base_url, llama_server.model, max_tokens=80, context_tokens=500, timeout=120.0
    )
    turn = answer("What is LiveClin and how many physicians took part?", settings=settings)
    assert turn.error is None and turn.text and "[S" not in turn.text
    numbers = {s.n for s in turn.sources}
    refusal = load_prompts().refusal("en")  # a sentence of the refusal makes no claim
    for sentence in split_sentences(turn.text.replace(refusal, "")):
        cited = [int(n) for m in CITATION.finditer(sentence) for n in m.group(1).replace("，", ",").split(",")]
        assert (cited and set(cited) <= numbers) or UNSUPPORTED["en"] in sentence or len(sentence) <= 3, sentence
    for c in turn.citations:
        assert c["n"] in numbers and all(sid.startswith(c["record_id"]) for sid in c["sentence_ids"])


@pytest.mark.slow
def test_llama_server_follow_up_names_the_second_listed_record(
    seed_settings: Settings, llama_server: LlamaServer
) -> None:
    """The previous answer's records travel with the history: "the second one" becomes that record's name in the
    question the openai backend searches and answers with."""
    settings = llm(
        seed_settings, llama_server.base_url, llama_server.model, max_tokens=60, context_tokens=500, timeout=120.0
    )
    listed = answer("list the EEG papers", settings=settings.replace(backend="extractive"))
    records = listed.to_dict()["records"]
    assert len(records) >= 2
    past = [{"question": "list the EEG papers", "answer": listed.text, "records": records}]
    turn = answer("tell me more about the second one", past, settings=settings)
    second = next(s.hit for s in listed.sources if s.hit.record_id == records[1])
    assert second.name in turn.standalone and turn.sources[0].hit.record_id == records[1], turn.standalone
    assert turn.error is None and turn.answered_by != "extractive"
