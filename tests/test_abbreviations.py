"""Abbreviations the records define (retrieve/abbreviations.py): one form of a term finds sentences with the other."""

from __future__ import annotations

from assistant.answer import answer
from assistant.retrieve.abbreviations import definitions, long_form, with_definitions
from assistant.retrieve.text import tokenize
from assistant.settings import Settings


def test_a_definition_is_the_shortest_long_form_that_spells_the_short_one() -> None:
    assert long_form("EMG", "signals from surface electromyography") == "electromyography"
    assert long_form("RCT", "we ran a randomized controlled trial") == "randomized controlled trial"
    assert long_form("XYZ", "no such words") is None


def test_definitions_read_plural_and_qualified_short_forms() -> None:
    defs = definitions(
        [
            "We record functional near-infrared spectroscopy (fNIRS) during tasks.",
            "Electromyograms (EMGs) are noisy.",
            "Results improve (e.g. by 3%) and (see below) nothing else is defined.",
        ]
    )
    fnirs, nirs = tokenize("fNIRS NIRS")  # keys are tokens, as the sentences are tokenized
    assert defs[fnirs] == {"functional", "near-infrared", "spectroscopy"}
    assert defs[nirs] == {"near-infrared", "spectroscopy"}  # fNIRS also defines NIRS
    assert defs["emg"] == {"electromyogram"}
    assert set(defs) == {fnirs, nirs, "emg"}


def test_tokens_gain_the_other_form_of_each_defined_term() -> None:
    defs = {"emg": frozenset({"electromyogram"}), "rct": frozenset({"randomized", "controlled", "trial"})}
    assert "emg" in with_definitions({"electromyogram", "signal"}, defs)
    assert "electromyogram" in with_definitions({"emgs"}, defs)
    assert "rct" not in with_definitions({"randomized", "trial"}, defs)  # the whole long form, not a part


def test_an_eeg_list_counts_the_intracranial_eeg_paper(seed_settings: Settings) -> None:
    """The MVPFormer abstract writes only "intracranial electroencephalography (iEEG)"; it is an EEG paper."""
    turn = answer("Summarize the EEG papers.", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "topic"
    titles = [s.hit.title for s in turn.sources]
    assert any("多变量并行注意力" in t for t in titles) and any("ODEBrain" in t for t in titles), titles
