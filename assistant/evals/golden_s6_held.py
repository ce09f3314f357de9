"""The true sets of the held-out round s6-held (ids ``s6-held-*``): questions written from the records' text by
someone who never ran the assistant on them, split before any was run. ``check_golden`` checks them with the
other rounds' sets."""

from __future__ import annotations

from assistant.evals.golden_terms import ECG, EEG, SEGMENTATION, Predicate, Topic, paper

ICLR_2026 = "ICLR 2026"
TRUSTWORTHY = "trustworthy medical AI"

EXACT_SETS: dict[str, Predicate] = {
    "s6-held-en-filter-01": lambda r: r.track in ("医学影像", "surgical/interventional AI") and not r.has_code,
    "s6-held-en-filter-02": lambda r: r.venue != ICLR_2026 and (r.year or 0) >= 2025,
    "s6-held-en-filter-03": lambda r: r.track in ("medical LLM agent", "clinical NLP") and not r.has_code,
    "s6-held-en-filter-04": lambda r: EEG(r) and r.track == TRUSTWORTHY,
    "s6-held-en-filter-05": lambda r: SEGMENTATION(r) and r.track == "医学影像",
    "s6-held-en-filter-06": lambda r: paper(r) and not r.venue.startswith("ICLR") and not r.has_code,
    "s6-held-zh-filter-01": lambda r: SEGMENTATION(r) and r.track == "医学影像" and not r.has_code,
    "s6-held-zh-filter-02": lambda r: paper(r) and r.track not in (TRUSTWORTHY, "clinical prediction") and r.has_code,
    "s6-held-zh-filter-03": lambda r: ECG(r) and not r.has_code and r.presentation == "Poster",
    "s6-held-zh-filter-04": lambda r: EEG(r) and r.track == TRUSTWORTHY and not r.has_code,
    "s6-held-zh-filter-05": lambda r: r.track == "医学影像" and not SEGMENTATION(r),
    "s6-held-zh-filter-06": lambda r: paper(r) and not (r.venue == ICLR_2026 and r.presentation == "Poster"),
}

_AGENT = r"agent|智能体|代理"
_TRACK_ONLY = "filed under the 'medical LLM agent' track; the work itself builds or tests no agent"
_SYNTHETIC = r"synthe|合成|生成|generat|simulat"
_EXPLAIN = r"interpretab|explain|可解释|解释|black.box|opaque|saliency|attribution|归因|sparse autoencoder|\bSAEs?\b"
_MISSING = r"missing|incomplete|dropout|缺失|不完整"
_BIAS = r"\bbias|fairness|公平|偏差|偏倚|demograph|\brace\b|种族"
_ABSTAIN = r"abstain|abstention|defer|refrain|overconfiden|拒答|延迟决策"

AGENT = Topic(
    _AGENT,
    {
        "大语言模型能否匹配系统综述的结论?": _TRACK_ONLY,
        "GALAX": _TRACK_ONLY,
        "AnesSuite": _TRACK_ONLY,
        "KnowGuard": _TRACK_ONLY,
    },
)
SYNTHETIC = Topic(
    _SYNTHETIC,
    {
        "trustworthy medical AI 能否用 LLM": "generates representations (embeddings) of real patients, not data",
        "clinical prediction 能否用 LLM": "the other version's title; its abstract is a neurology benchmark",
        "胸部 X 光报告生成": "generates the report of a real image: the task's output, not data",
        "放射报告生成": "generates the report of a real image: the task's output, not data",
        "AttTok": "'generative pre-trained' names the model family",
        "KGARevion": "generates knowledge triplets to answer a question, not data",
        "垂直联邦学习": "synthetic embeddings are a step of unlearning, not medical data",
        "多变量并行注意力": "a generative model that forecasts iEEG signals; no data set is made from it",
        "纵向影像生成": "generates a patient's future images to model progression, not to stand in for scarce data",
        "LaVCa": "generates captions that describe brain voxels",
        "类人谬误": "generates logic problems to test reasoning; not medical data",
        "系统综述": "automated generation of systematic reviews",
        "假设驱动临床决策": "hypothesis generation, a step of diagnosis",
        "EHR 数据库 Agent": "generates SQL; its simulated user is part of the benchmark, not data",
        "NurValues": "LLM-generated responses",
        "npj Digital Medicine": "a call for papers",
        "迈向通用生物医学 AI": "report generation is one of the evaluated tasks",
        "DM4CT": "'natural image generation' as a contrast",
        "阿尔茨海默病": "'neurodegenerative'",
        "MRI 运动校正": "studies simulated motion as one way to evaluate; it releases real paired scans",
    },
)
EXPLAIN = Topic(
    _EXPLAIN,
    {
        "LaVCa": "explains what drives brain voxels, not an AI model's predictions",
        "胸部 X 光报告生成": "names a report's interpretability as the motive for grounding; it generates reports",
        "医疗多模态 医学 MLLM": "医学图像解释 is reading images (image interpretation)",
        "npj Digital Medicine": "a call for papers",
        "EEG 语义意图解码": "names a lack of interpretability among earlier decoders' limits; its subject is decoding",
        "ECG 基础模型基准": "'what explains performance differences' is a benchmark question",
        "纵向影像生成": "more interpretable progression is a by-product of generation",
        "M3CoTBench": "benchmarks the chain-of-thought path of answers; explains no model",
        "CARE:": "grounds its reasoning in ROI evidence for accountability; explains or probes no model",
    },
)
MISSING = Topic(
    _MISSING,
    {
        "ATPO": "incomplete patient information in a dialogue, not a missing input modality",
        "KnowGuard": "incomplete patient information in a dialogue, not a missing input modality",
        "超越医学考试": "what is missing from existing datasets",
        "特征归因解释中的缺失偏倚校准": "missingness bias of explanations probed with ablated inputs",
    },
)
BIAS = Topic(
    _BIAS,
    {
        "视网膜表征学习": "MAE's bias toward low frequencies",
        "谱熵正则": "spectral bias of a network",
        "特征归因解释中的缺失偏倚校准": "missingness bias of explanations",
        "sleep2vec": "uses demography in its training objective against cohort shortcuts",
        "超越聚合": "patient demographics differ across hospitals (heterogeneity), no fairness study",
    },
)
ABSTAIN = Topic(_ABSTAIN, {"谱熵正则": "calibrates overconfident segmentation; never abstains"})

TOPICS: dict[str, Topic] = {
    **dict.fromkeys(("s6-held-en-aggregate-01", "s6-held-zh-topic-01"), AGENT),
    **dict.fromkeys(("s6-held-en-topic-01", "s6-held-zh-aggregate-01", "s6-held-en-aspect-01"), SYNTHETIC),
    **dict.fromkeys(("s6-held-en-topic-02", "s6-held-zh-topic-02"), EXPLAIN),
    **dict.fromkeys(("s6-held-en-topic-03", "s6-held-zh-topic-03", "s6-held-en-aspect-02"), MISSING),
    **dict.fromkeys(("s6-held-en-aggregate-02", "s6-held-zh-topic-04", "s6-held-zh-aspect-01"), BIAS),
    **dict.fromkeys(("s6-held-en-topic-04", "s6-held-zh-aggregate-02", "s6-held-zh-aspect-02"), ABSTAIN),
}
