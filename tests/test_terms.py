"""The domain-term rule (assistant/retrieve/terms.py) and the dictionary file it feeds."""

from __future__ import annotations

from assistant.retrieve import terms
from assistant.retrieve.bridge import bridge_terms, chinese_terms
from assistant.retrieve.text import domain_terms, tokenize
from tests.helpers import SEEDS


def test_rule_keeps_a_broken_recurring_term_and_drops_fragments_and_phrases() -> None:
    texts = [  # 多模态 recurs with different neighbours; jieba's own dictionary cuts it as 多 + 模态
        "面向多模态推理",
        "基于多模态数据的诊断",
        "多模态融合",
        "一种多模态的方法",
        "疾病诊断研究",  # 病诊断 recurs too, but only as a piece of 疾病诊断 / 阿尔茨海默病诊断
        "阿尔茨海默病诊断",
        "模型的医学应用",  # a phrase around a function character
        "模型的医学评测",
    ]
    found = terms.candidates(texts)
    assert "多模态" in found
    assert "病诊断" not in found and "模型的医" not in found
    assert terms.candidates(["只出现一次的心电信号"]) == []  # one record is not enough


def test_every_candidate_of_the_seeds_is_in_the_dictionary_file() -> None:
    found = terms.candidates(terms.corpus_texts([SEEDS]))
    assert found and set(found) <= set(domain_terms())


def test_a_listed_term_is_one_token_with_its_english_words() -> None:
    assert "跨模态" in tokenize("跨模态检索")  # generated, no English words
    tokens = tokenize("重建心电信号")
    assert "心电信号" in tokens and "ecg" in tokens


def test_bridge_gives_a_chinese_question_the_english_words_of_its_words() -> None:
    english = bridge_terms("发现医保骗保行为")
    assert {"insurance", "fraud"} <= set(english)  # from CC-CEDICT
    table = bridge_terms("重建心电信号")
    assert "ecg" in table and "electrocardiogram" not in table  # the domain table first, the dictionary after
    assert bridge_terms("哪篇论文?") == []  # question words add nothing
    assert bridge_terms("Which paper detects insurance fraud?") == []  # English keeps its own words


def test_an_english_topic_reaches_the_chinese_terms_whose_english_words_it_has() -> None:
    assert "分割" in chinese_terms(["medical", "image", "segmentation"])
    assert "强化学习" in chinese_terms(["reinforcement", "learning"])
    assert "强化学习" not in chinese_terms(["reinforcement"])  # every English word of the term, not one of them
    assert chinese_terms(["分割", "segmentation"]) == []  # a Chinese topic has its terms already
    assert "保险欺诈" in chinese_terms(["insurance", "fraud"])  # the glossary's term
    assert chinese_terms(["twin", "study"]) == []
