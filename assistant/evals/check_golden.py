"""Check the golden set against the records it is written for.

- every ``expect_any`` / ``expect_all`` string names exactly one record (or the versions of one title), read
  the way the evals read it: a substring of the record's title or header;
- ``history`` record ids exist;
- every filter question, and each list listed in ``EXACT_SETS``, expects exactly the records its predicate
  selects, recomputed here from the parsed records (not from the question parser): the metadata of the
  filter questions, or the text test that defines a list (EEG, ECG, segmentation);
- a topic list listed in ``TOPICS`` accounts for every record whose header or abstract matches the topic's
  terms and variants: each is expected, or excluded here with the reason; and every expected record (or
  another version of its title) matches those terms.

The vocabulary the sets are written in (``named``, ``mentions``, ``Topic``, ...) is in ``golden_terms``; a round may
keep its sets in a module of its own (``golden_s6_held``).

    python -m assistant.evals.check_golden [--set evals/golden.jsonl] [--seeds seeds]
    python -m assistant.evals.check_golden --suggest ID     # expect_all strings for a question in EXACT_SETS
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from assistant.evals import golden_s6_held, golden_s6_new
from assistant.evals.golden import GoldenQuestion, load_golden
from assistant.evals.golden_terms import ECG, EEG, SEGMENTATION, Predicate, Topic, mentions, named, paper
from assistant.records.corpus import load_corpus
from assistant.records.model import Record

EXACT_SETS: dict[str, Predicate] = {
    **golden_s6_held.EXACT_SETS,  # the held-out round s6-held, in its own module
    **golden_s6_new.EXACT_SETS,  # the new-user round s6-new
    # the first metadata filters
    "filter-01": lambda r: r.presentation == "Oral",
    "filter-02": lambda r: r.track == "医学影像",
    "filter-03": lambda r: r.track == "clinical NLP",
    "filter-04": lambda r: r.track == "medical LLM agent",
    "filter-05": lambda r: r.track == "clinical prediction",
    "filter-06": lambda r: r.venue == "ICLR 2025",
    "filter-07": lambda r: r.venue == "Nature Medicine",
    "filter-08": lambda r: r.kind == "call",
    "filter-09": lambda r: r.kind == "data",
    "filter-10": lambda r: EEG(r) and r.has_code,
    "filter-11": lambda r: paper(r) and r.year == 2025,
    "filter-12": lambda r: r.track == "surgical/interventional AI",
    "filter-13": lambda r: r.track in ("医疗多模态", "Medical multimodal AI"),
    "filter-14": lambda r: r.presentation == "Oral",
    "filter-15": lambda r: ECG(r) and r.has_code,
    # the first batch of negated and combined filters
    "negfilter-en-01": lambda r: r.presentation == "Oral" and not r.has_code,
    "negfilter-en-02": lambda r: paper(r) and r.presentation != "Poster",
    "negfilter-en-03": lambda r: r.presentation == "Poster" and r.track == "clinical NLP" and not r.has_code,
    "negfilter-en-04": lambda r: r.track == "医学影像" and not r.has_code,
    "negfilter-en-05": lambda r: r.year == 2025 and not r.venue.startswith("ICLR"),
    "negfilter-en-06": lambda r: paper(r) and r.year != 2026,
    "negfilter-en-07": lambda r: EEG(r) and not r.has_code,
    "negfilter-en-08": lambda r: r.track == "clinical prediction" and r.has_code,
    "negfilter-en-09": lambda r: ECG(r) and not r.has_code,
    "negfilter-en-10": lambda r: r.track == "trustworthy medical AI" and r.has_code and r.presentation != "Oral",
    "negfilter-zh-01": lambda r: EEG(r) and r.has_code,
    "negfilter-zh-02": lambda r: r.presentation == "Oral" and not r.has_code,
    "negfilter-zh-03": lambda r: paper(r) and r.presentation != "Poster",
    "negfilter-zh-04": lambda r: r.year == 2026 and r.presentation != "Oral" and r.track == "医学影像",
    "negfilter-zh-05": lambda r: r.track == "医学影像" and not r.has_code,
    "negfilter-zh-06": lambda r: ECG(r) and r.has_code,
    "negfilter-zh-07": lambda r: paper(r) and r.venue != "ICLR 2026",
    "negfilter-zh-08": lambda r: r.track == "clinical NLP" and not r.has_code,
    "negfilter-zh-09": lambda r: r.track == "clinical prediction" and r.has_code,
    "negfilter-zh-10": lambda r: r.kind != "paper",
    # issue 16's filters, and the lists of issue 15/16 defined by a text test
    "i16-filter-en-01": lambda r: r.track == "医学影像" and r.presentation == "Poster" and r.has_code,
    "i16-filter-en-02": lambda r: r.track == "medical LLM agent" and not r.has_code,
    "i16-filter-en-03": lambda r: r.presentation == "Oral" and r.track == "clinical prediction",
    "i16-filter-en-04": lambda r: r.kind not in ("paper", "call"),
    "i16-filter-en-05": lambda r: (EEG(r) or ECG(r)) and r.has_code,
    "i16-filter-en-06": lambda r: SEGMENTATION(r) and not r.has_code,
    "i16-filter-en-07": lambda r: r.track == "trustworthy medical AI" and ECG(r) and not r.has_code,
    "i16-filter-en-08": lambda r: bool(r.venue) and not r.venue.startswith("ICLR"),
    "i16-filter-en-09": lambda r: r.track in ("clinical NLP", "medical LLM agent") and r.has_code,
    "i16-filter-zh-01": lambda r: r.track == "医学影像" and r.has_code,
    "i16-filter-zh-02": lambda r: r.track == "clinical prediction" and not r.has_code,
    "i16-filter-zh-03": lambda r: paper(r) and not r.venue.startswith("ICLR"),
    "i16-filter-zh-04": lambda r: r.track == "trustworthy medical AI" and EEG(r) and r.has_code,
    "i16-filter-zh-05": lambda r: SEGMENTATION(r) and r.has_code,
    "i16-filter-zh-06": lambda r: r.track == "medical LLM agent" and not r.has_code,
    "i16-filter-zh-07": lambda r: r.track == "clinical NLP" and r.has_code,
    "i16-filter-zh-08": lambda r: paper(r) and r.year == 2026 and r.presentation != "Poster",
    "i16-agg-en-01": SEGMENTATION,
    "i15-topic-en-01": SEGMENTATION,
    "i15-topic-zh-01": SEGMENTATION,
    "i15-aspect-en-01": EEG,
    "i15-aspect-zh-01": ECG,
    # round s5-en: a new English-speaking researcher's questions (search-box phrases, counts, follow-ups)
    "s5-en-topic-05": ECG,
    "s5-en-topic-06": EEG,
    "s5-en-followup-03": lambda r: EEG(r) and r.has_code,
    "s5-en-filter-01": lambda r: r.presentation == "Oral" and not r.has_code,
    "s5-en-filter-02": lambda r: r.track == "医学影像" and r.has_code,
    "s5-en-filter-03": lambda r: (
        r.presentation == "Poster" and r.year == 2026 and r.track == "clinical NLP" and r.has_code
    ),
    "s5-en-filter-04": lambda r: r.venue == "ICLR 2026" and r.presentation != "Poster",
    "s5-en-filter-05": lambda r: paper(r) and not r.venue.startswith("ICLR"),
    "s5-en-filter-06": lambda r: r.track == "clinical prediction" and not r.has_code,
    "s5-en-filter-07": lambda r: r.presentation == "Poster" and r.track == "医学影像" and not r.has_code,
    "s5-en-filter-08": lambda r: paper(r) and r.track != "trustworthy medical AI" and r.presentation != "Poster",
    "s5-en-filter-09": lambda r: paper(r) and r.year == 2025,
    "s5-en-filter-10": lambda r: paper(r) and r.has_code,
    "s5-en-filter-11": lambda r: r.kind == "call",
    "s5-en-filter-12": lambda r: ECG(r) and r.has_code and r.presentation == "Poster",
    "s5-en-filter-13": lambda r: paper(r) and r.venue != "ICLR 2026",
    # the Chinese probes of 2026-12-06 (s5-zh-*)
    "s5-zh-super-02": lambda r: r.presentation == "Oral",
    "s5-zh-filter-01": lambda r: r.presentation == "Oral" and not r.has_code,
    "s5-zh-filter-02": lambda r: paper(r) and bool(r.year) and (r.year or 0) < 2026,
    "s5-zh-filter-03": lambda r: r.track == "medical LLM agent" and r.has_code,
    "s5-zh-filter-04": lambda r: r.track in ("医学影像", "surgical/interventional AI"),
    "s5-zh-filter-05": lambda r: r.track == "clinical prediction" and r.presentation == "Poster" and not r.has_code,
    "s5-zh-filter-06": lambda r: r.venue == "ICLR 2025",
    "s5-zh-filter-07": lambda r: EEG(r) and r.has_code and r.track != "trustworthy medical AI",
    "s5-zh-filter-08": lambda r: (
        r.kind in ("paper", "other") and r.track not in ("clinical prediction", "trustworthy medical AI")
    ),
    "s5-zh-filter-09": lambda r: r.year == 2026 and r.presentation == "Oral",
    "s5-zh-aspect-01": mentions(r"chest X-ray|\bCXR|胸部 X"),
    "s5-zh-aspect-02": EEG,
    # round s5b-en: the long form of an abbreviation
    "s5b-en-topic-02": EEG,
    "s5c-zh-topic-01": ECG,  # round s5c-zh: 心电图
}


# Two early filter questions name a paper by the title it shares with its other version, filed under another
# track; the evals credit either version (so list precision credits the twin). Existing questions are never
# edited, so for these two a string may also name the twin of an expected record.
TWIN_TOLERANT = frozenset({"filter-05", "filter-13"})


_SEGMENT = r"segment|分割"
_RL = r"reinforcement|\bRL\b|GRPO|policy optimi|强化"
_FREQ = r"frequen|spectr|wavelet|频|谱"
_VQA = r"VQA|visual question|视觉问答"
_MAE = r"masked auto|\bMAE\b|掩码自编码"
_PRIVACY = r"privacy|隐私"
_FM = r"foundation model|基础模型"
_CT = r"\bCT\b|computed tomograph|断层"
_MRI = r"\bMRIs?\b|magnetic resonance|磁共振"
_NOT_SLIDES = {
    "视网膜表征学习": "retinal pathology (disease), in fundus images, not slides",
    "无监督病理分割": "pathology means abnormal findings in CT volumes, not slides",
}
TOPICS: dict[str, Topic] = {
    **golden_s6_held.TOPICS,
    "i16-agg-en-01": Topic(_SEGMENT),
    "i15-topic-zh-01": Topic(_SEGMENT),
    "i16-agg-en-02": Topic(
        _RL,
        {"AnesSuite": "supplies RLVR training data; trains nothing itself"},
    ),
    "i16-agg-zh-01": Topic(
        _FREQ,
        {
            "脑图基础模型": "图谱 is 'atlas', not a spectrum",
            "KnowGuard": "'frequently'",
            "大语言模型的医学可解释性与知识图谱": "图谱 in 知识图谱 (knowledge graph)",
            "Cancer-Myth": "'frequently'",
            "KGARevion": "图谱 in 知识图谱 (knowledge graph)",
            "sleep2vec": "'frequent sensor dropout'",
            "Resp-Agent": "names spectrograms only as the lossy conversion it avoids",
        },
    ),
    "i16-agg-en-03": Topic(_VQA),
    "i15-topic-en-02": Topic(_VQA),
    "i16-agg-zh-02": Topic(_MAE),
    "i16-agg-en-04": Topic(_PRIVACY),
    "i15-topic-en-03": Topic(
        _FM,
        {
            "单通道 EEG": "a tokenizer that serves existing foundation models, not a new one",
            "单模态基础模型的联合适配": "combines existing uni-modal foundation models",
            "ECG 基础模型基准": "benchmarks eight existing ECG foundation models",
            "桥接放射学与病理学": "adapts existing pretrained foundation models",
        },
    ),
    "i16-agg-zh-03": Topic(_CT),
    "i16-agg-zh-04": Topic(
        _MRI,
        {
            "功能 MRI 时间序列生成": "functional MRI, which the question leaves out",
        },
    ),
    "i15-topic-zh-02": Topic(
        r"diffusion|扩散",
        {"纵向影像生成": "mentions diffusion-based models only as the approach it improves on"},
    ),
    "i15-topic-zh-03": Topic(r"flow matching|流匹配"),
    "i16-agg-en-05": Topic(r"decod|解码"),
    # round 5: topic and aspect lists written from the records
    **dict.fromkeys(("r5-topic-en-01", "r5-aspect-zh-01"), Topic(r"federated|联邦")),
    **dict.fromkeys(("r5-aspect-en-01", "r5-topic-zh-01"), Topic(r"ultrasound|sonograph|超声")),
    **dict.fromkeys(("r5-topic-en-02", "r5-aspect-zh-02"), Topic(r"mental health|psychiatr|心理健康|精神")),
    **dict.fromkeys(("r5-topic-en-03", "r5-topic-zh-02"), Topic(r"patholog|histolog|病理|组织学", _NOT_SLIDES)),
    **dict.fromkeys(("r5-aspect-en-02", "r5-topic-zh-03"), Topic(r"fMRI|functional MRI|functional magnetic|功能 MRI")),
    **dict.fromkeys(("r5-topic-en-04", "r5-aspect-zh-03"), Topic(r"surviv|生存")),
    **dict.fromkeys(("r5-topic-en-05", "r5-topic-zh-04"), Topic(r"report generation|radiology report|报告生成")),
    **dict.fromkeys(("r5-aspect-en-03", "r5-topic-zh-05"), Topic(r"Arabic|Chinese|阿拉伯|中文")),
    **dict.fromkeys(("r5-topic-en-06", "r5-topic-zh-06"), Topic(r"hallucinat|factual inaccura|幻觉")),
    **dict.fromkeys(("r5-aspect-en-04", "r5-topic-zh-07"), Topic(r"uncertain|不确定")),
    "s5-zh-topic-01": Topic(r"federated|联邦"),
    "s5-zh-topic-02": Topic(r"ultrasound|sonograph|超声"),
    "s5-zh-topic-03": Topic(
        r"report generation|radiology report|报告生成",
        {"迈向通用生物医学 AI": "evaluates a generalist system on report generation among other tasks; it does none"},
    ),
    "s5-zh-topic-04": Topic(r"mental health|psychiatr|心理健康|精神"),
    "s5-zh-topic-05": Topic(r"knowledge graph|知识图谱", {"npj Digital Medicine": "a call for papers, not a paper"}),
    **dict.fromkeys(
        ("r5-topic-en-07", "r5-aspect-zh-04"),
        Topic(
            r"multi-turn|dialog|conversation|多轮|对话|问诊",
            {"NurValues": "names conversational ability in passing; evaluates nursing values, not an interaction"},
        ),
    ),
    "s5-en-topic-01": Topic(r"federated|联邦"),
    "s5-en-topic-02": Topic(r"ultrasound|sonograph|超声"),
    "s5-en-topic-03": Topic(r"mental health|psychiatr|心理健康|精神"),
    "s5-en-topic-04": Topic(r"fMRI|functional MRI|functional magnetic|功能 MRI"),
    "s5-en-aspect-01": Topic(r"chest X-ray|\bCXR|胸部 X 光"),
    "s5-en-topic-07": Topic(r"GPT-4"),
    # round s5b-en: variant and lay names of a topic, and one-member lists that must not pad
    "s5b-en-topic-01": Topic(r"\bi?EEG|electroencephalogra|脑电|fMRI|functional MRI|functional magnetic|功能 MRI"),
    "s5b-en-topic-03": Topic(
        r"\bECGs?\b|electrocardio|cardiac|heart|心电|心脏",
        {"sleep2vec": "records ECG among nocturnal biosignals for sleep staging; not about the heart"},
    ),
    "s5b-en-topic-04": Topic(r"patholog|histolog|病理|组织学", _NOT_SLIDES),
    "s5b-en-topic-05": Topic(
        r"diffusion|扩散",
        {"纵向影像生成": "mentions diffusion-based models only as the approach it improves on"},
    ),
    "s5b-en-topic-06": Topic(r"\b3D\b|volumetric|volumes?\b|体数据"),
    "s5b-en-topic-07": Topic(r"sleep|睡眠"),
    "s5b-en-topic-08": Topic(r"nurs|护理"),
    "s5b-en-topic-09": Topic(r"retina|视网膜|\beyes?\b|ophthalm|fundus"),
    "s5b-en-topic-10": Topic(_MAE),
    "s5b-en-aspect-02": Topic(r"federated|联邦"),
    # round s5c-zh: Chinese words outside the domain table, topics joined by "or", mixed wording (RL, EHR/EMR)
    **dict.fromkeys(("s5c-zh-topic-02", "s5c-zh-aspect-02"), Topic(_CT)),
    "s5c-zh-topic-03": Topic(_RL, {"AnesSuite": "supplies RLVR training data; trains nothing itself"}),
    "s5c-zh-topic-04": Topic(
        r"\bE[HM]Rs?\b|electronic (?:health|medical) record|病历", {"npj Digital Medicine": "a call for papers"}
    ),
    "s5c-zh-topic-05": Topic(r"contrastiv|对比学习"),
    "s5c-zh-topic-06": Topic(r"cancer|tumou?r|oncolog|癌|肿瘤"),
    "s5c-zh-aspect-01": Topic(r"self-supervised|自监督"),
}


def suggest(record: Record, records: Sequence[Record]) -> str:
    """The shortest of short name, title, "track title" that names ``record`` alone."""
    for name in (record.short_name, record.title, f"{record.track} {record.title}"):
        if name and sum(named(name, r) for r in records) == 1:
            return name
    raise ValueError(f"no string names {record.title} alone")


def string_problems(q: GoldenQuestion, records: Sequence[Record]) -> list[str]:
    problems = []
    for text in dict.fromkeys(q.expect_any + q.expect_all):
        hits = [r for r in records if named(text, r)]
        if not hits:
            problems.append(f"{text!r} names no record")
        elif len({r.title for r in hits}) > 1:
            problems.append(f"{text!r} names {len(hits)} records: " + "; ".join(r.title for r in hits))
    ids = {r.id for r in records}
    for item in q.history:
        unknown = [rid for rid in (item.get("records", []) if isinstance(item, dict) else []) if rid not in ids]
        problems += [f"history names an unknown record {rid}" for rid in unknown]
    return problems


def set_problems(expect: list[str], truth: Predicate, records: Sequence[Record], twins: bool = False) -> list[str]:
    """Problems of an expect_all list that must name exactly the records ``truth`` selects (``twins``: a string
    may also name another version, same title, of a selected record)."""
    members = [r for r in records if truth(r)]
    problems = [] if members else ["the predicate selects no record"]
    problems += [f"misses {r.title}" for r in members if not any(named(s, r) for s in expect)]
    member_titles = {r.title for r in members} if twins else set()
    outside = [r for r in records if not truth(r) and r.title not in member_titles]
    problems += [f"{s!r} names a record outside the set" for s in expect if any(named(s, r) for r in outside)]
    return problems


def topic_problems(q: GoldenQuestion, topic: Topic, records: Sequence[Record]) -> list[str]:
    matches = mentions(topic.pattern)
    found_titles = {r.title for r in records if matches(r)}  # the versions of one title share their evidence
    problems = []
    for r in records:
        expected = any(named(s, r) for s in q.expect_all)
        excluded = any(named(s, r) for s in topic.excluded)
        found = r.title in found_titles
        if matches(r) and not expected and not excluded:
            problems.append(f"candidate {r.title} is neither expected nor excluded")
        if expected and excluded:
            problems.append(f"{r.title} is both expected and excluded")
        if expected and not found:
            problems.append(f"{r.title} does not match the topic's terms")
    return problems


def check(
    questions: Sequence[GoldenQuestion],
    records: Sequence[Record],
    exact: dict[str, Predicate] = EXACT_SETS,
    topics: dict[str, Topic] = TOPICS,
) -> dict[str, list[str]]:
    """{question id: problems} for the questions that have any."""
    out: dict[str, list[str]] = {}
    for q in questions:
        problems = string_problems(q, records)
        if q.id in exact:
            problems += set_problems(q.expect_all, exact[q.id], records, twins=q.id in TWIN_TOLERANT)
        elif q.kind == "filter":
            problems.append("a filter question needs its true set in EXACT_SETS")
        if q.id in topics:
            problems += topic_problems(q, topics[q.id], records)
        if problems:
            out[q.id] = problems
    missing = [qid for qid in (*exact, *topics) if qid not in {q.id for q in questions}]
    if missing:
        out["(checker)"] = [f"no question {qid} in the set" for qid in missing]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--suggest", metavar="ID", help="print expect_all strings for a question in EXACT_SETS")
    args = parser.parse_args(argv)
    records = load_corpus([args.seeds]).records
    if args.suggest:
        print(json.dumps([suggest(r, records) for r in records if EXACT_SETS[args.suggest](r)], ensure_ascii=False))
        return 0
    questions = load_golden(args.golden)
    problems = check(questions, records)
    for qid, found in problems.items():
        print(f"{qid}: " + "; ".join(found))
    print(f"{len(questions)} questions, {len(problems)} with problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
