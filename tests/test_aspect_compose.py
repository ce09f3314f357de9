"""Aspect, compare and superlative answers hold the asked kind of fact (issue 15 item 2): what a question asks of
a list or of named papers, and which quoted numbers count the asked quantity."""

from __future__ import annotations

from assistant.answer import answer
from assistant.answer.analyse import analyse
from assistant.answer.context import Source
from assistant.answer.counting import superlative_measure
from assistant.answer.evidence import BY_SIZE, Quote, counts_of
from assistant.answer.extractive import aspect_quotes, extractive_answer, superlative_lines
from assistant.answer.plan import QuestionPlan, compared_names, plan_question
from assistant.retrieve.hybrid import Hit
from assistant.retrieve.query import plan_query
from assistant.settings import Settings


def planned(question: str) -> QuestionPlan:
    query = plan_query(question, ["ICLR 2026"], [])
    return plan_question(question, query, analyse(question, query))


def quote(text: str) -> Quote:
    return Quote("r#s1", "r", text, 1, 0, len(text), 0.0, 0.0, 0.0, False)


def values(texts: list[str], measure: str) -> list[float]:
    return [v for v, _ in counts_of([quote(t) for t in texts], measure)]


def test_a_count_is_of_the_asked_units_not_a_dimension_a_rate_a_modifier_or_another_initialism() -> None:
    assert values(["The encoder reads a 2D slice and the whole 3D volume."], "volume") == []
    assert values(["Each study holds 3.5 scans per patient, 1,200 scans in all."], "scan") == [1200.0]
    # a singular noun before the plural it modifies counts no such things; the plural itself does
    assert values(["It gathers 5,000 physician ratings from 40 physicians."], "physician") == [40.0]
    # an initialism the record defines as something else does not count the word it ends in
    defined = ["Randomized trials (RTs) are costly.", "We pool 300 RTs and 12 recordings."]
    assert values(defined, "recording") == [12.0]
    assert values(["Vision-language models (VLMs) vary.", "We test nine VLMs."], "model") == [9.0]
    # an expert is the same countable person as a physician or a clinician
    assert values(["Annotated by 25 clinicians."], "expert") == [25.0]


def test_a_superlative_counts_the_head_of_its_noun_phrase() -> None:
    assert superlative_measure("Which benchmark covers the most clinical specialties?") == "clinical specialty"
    assert superlative_measure("Which work tested the largest number of vision models?") == "vision model"
    assert superlative_measure("Which study had the fewest patients overall?") == "patient"
    plan = planned("Which paper compares the most diffusion models?")
    assert (plan.type, plan.measure) == ("superlative", "diffusion model")


def test_a_chinese_choice_between_named_papers_is_a_compare_without_a_compare_word() -> None:
    plan = planned("Photon 和 MedGMAE 哪个用的数据规模更大?")
    assert (plan.type, plan.names, plan.measure) == ("compare", ["Photon", "MedGMAE"], BY_SIZE)
    plan = planned("DM4CT 与 SE-Diff 哪篇评测的模型更多?")
    assert (plan.type, plan.names, plan.measure) == ("compare", ["DM4CT", "SE-Diff"], "model")
    assert planned("哪个数据集规模更大?").type != "compare"  # no named papers to choose between


def test_a_compare_by_size_asks_which_is_larger() -> None:
    plan = planned("Compare PMoC3D and GBC-FS 2025 by the size of their data.")
    assert (plan.type, plan.names, plan.measure) == ("compare", ["PMoC3D", "GBC-FS 2025"], BY_SIZE)
    plan = planned("Compare Photon and MedGMAE on the amount of training data.")
    assert (plan.type, plan.measure) == ("compare", BY_SIZE)


def test_the_asked_noun_skips_kind_of_and_auxiliary_verbs() -> None:
    plan = planned("What type of data did the retinal papers train on?")
    assert (plan.type, plan.aspect) == ("aspect", "dataset")
    # "what does each ... study" asks for no named things: "does" is a verb, not a plural noun
    plan = planned("What does each of the sepsis papers predict?")
    assert (plan.type, plan.aspect) == ("aspect", "")


def scored(text: str, score: float) -> Quote:
    return Quote(f"r#s{score}", "r", text, 0, 0, len(text), score, score, 0.0, False)


def test_a_data_sentence_answers_only_when_it_is_on_the_records_own_data() -> None:
    general = scored("Annotated fundus datasets remain costly to build at scale.", 0.95)
    own = scored("The network is trained on 8,000 fundus photographs from three clinics.", 0.9)
    assert aspect_quotes([general, own], "dataset") == [own]
    assert aspect_quotes([general], "dataset") == []  # the answer says the abstract does not say


def test_a_count_asked_of_each_paper_is_answered_by_the_sentence_counting_it() -> None:
    plan = planned("How many radiologists read the scans in each of the lung papers?")
    assert (plan.type, plan.aspect, plan.measure) == ("aspect", "number", "radiologist")
    plan = planned("肺结节相关的论文分别有多少名医生参与?")
    assert (plan.type, plan.aspect, plan.measure) == ("aspect", "number", "physician")
    other = scored("The cohort spans 4,500 scans from 12 hospitals.", 0.95)
    readers = scored("Five thoracic radiologists labelled every nodule.", 0.9)
    assert aspect_quotes([other, readers], "number", "radiologist") == [readers]
    assert aspect_quotes([other], "number", "radiologist") == []  # no count of the asked units


def test_a_method_asked_of_each_paper_is_quoted_by_the_sentence_that_names_it() -> None:
    detail = scored("We propose a two-stage architecture with a shared encoder.", 0.95)
    task = scored("Small nodules are easy to miss on low-dose scans.", 0.93)
    named = scored("This paper presents NoduleNet-X, a detection framework for CT.", 0.9)
    assert aspect_quotes([detail, task, named], "method") == [named]


def source(n: int, name: str, *texts: str) -> Source:
    hit = Hit(title=name, short_name=name, rank=n, record_id=name, header=name, sources=[], score=1.0, snippet="")
    return Source(n, hit, name, [quote(t) for t in texts])


def test_sizes_are_ranked_in_one_unit_and_other_units_are_said_not_ranked() -> None:
    plan = QuestionPlan("superlative", "number", measure=BY_SIZE)
    sources = [
        source(1, "NightBank", "The dataset contains 9,000 recordings."),
        source(2, "SleepSet", "The dataset holds 52,000 hours of recordings."),
        source(3, "WardData", "This corpus has 30,000 recordings from four wards."),
        source(4, "ScanBank", "The dataset has 70,000 scans."),
    ]
    lines = list(superlative_lines(sources, plan, "en"))
    # ranked in the unit of the largest count, with the unit; 52,000 hours is no larger number of scans
    assert lines[0].startswith("Largest: **ScanBank**, 70,000 scans. [4]")
    assert lines[1] == "Compared (1 records that give a size of their data):"
    assert [line.split(" — ")[0] for line in lines[3:]] == [
        "- SleepSet: 52,000 hours (other units, not ranked)",
        "- WardData: 30,000 recordings (other units, not ranked)",
        "- NightBank: 9,000 recordings (other units, not ranked)",
    ]
    plan.fewest = True  # the smallest: in the unit of the smallest count
    lines = list(superlative_lines(sources, plan, "en"))
    assert lines[0].startswith("Smallest: **NightBank**, 9,000 recordings.")
    assert lines[3].startswith("- WardData: 30,000 recordings")


def test_a_compare_of_sizes_in_different_units_names_no_larger_one() -> None:
    plan = QuestionPlan("compare", "number", ["SleepSet", "NightBank"], measure=BY_SIZE)
    sources = [
        source(1, "SleepSet", "It has 52,000 hours of data."),
        source(2, "NightBank", "It has 9,000 recordings."),
    ]
    text = "".join(extractive_answer(sources, plan, "en"))
    assert "neither is said to be larger: **SleepSet** 52,000 hours [1]; **NightBank** 9,000 recordings [2]" in text
    assert "Largest:" not in text
    plan.names.append("WardData")
    sources.append(source(3, "WardData", "It has 30,000 recordings."))
    text = "".join(extractive_answer(sources, plan, "en"))
    assert "Largest: **WardData**, 30,000 recordings. [3]" in text  # two in one unit are compared


def test_compared_names_end_before_a_clause_on_them() -> None:
    assert compared_names("Photon 与 MedGMAE 都处理三维影像,它们的思路有什么不同?") == ["Photon", "MedGMAE"]
    assert compared_names("Compare DM4CT and SE-Diff, their goals differ how?") == ["DM4CT", "SE-Diff"]


def test_a_compare_with_no_kind_of_fact_asked_also_quotes_each_papers_opening() -> None:
    plan = QuestionPlan("compare", "", ["PolypNet", "LungScan"])
    texts = {
        "PolypNet": ["Polyp detection in colonoscopy videos is hard.", "We propose PolypNet, a video model."],
        "LungScan": ["Nodules in chest CT are often missed.", "We introduce LungScan, a detector."],
    }
    sources = [
        source(n, name, *lines, "A gated fusion module mixes the features.")
        for n, (name, lines) in enumerate(texts.items(), 1)
    ]
    for src in sources:  # scored best first: the defining sentence, the module detail, the opening on the task
        for i, q in enumerate(src.quotes):
            q.position = i
        src.quotes = [src.quotes[1], src.quotes[2], src.quotes[0]]
    text = "".join(extractive_answer(sources, plan, "en"))
    assert "colonoscopy" in text and "chest CT" in text and "gated fusion" in text
    plan.aspect = "method"  # a kind of fact asked: its sentence, not the opening
    assert "colonoscopy" not in "".join(extractive_answer(sources, plan, "en"))


def test_code_asked_of_each_paper_of_a_list_gives_each_link_or_says_there_is_none() -> None:
    plan = planned("Which code repositories do the retinal imaging papers release?")
    assert (plan.type, plan.aspect, plan.subject) == ("aspect", "code", "retinal imaging")
    assert planned("Where is the code of the paper on retinal masked autoencoders?").type != "aspect"  # one paper
    linked, bare = source(1, "RetNet", "We propose RetNet."), source(2, "EyeSet", "We release EyeSet.")
    linked.hit.url = "https://github.com/example/retnet"
    text = "".join(extractive_answer([linked, bare], plan, "en", total=9))
    assert "**RetNet**: Code/project link: https://github.com/example/retnet [1]" in text
    assert "**EyeSet**: The record gives no code or project link. [2]" in text


def test_an_aspect_asked_of_the_benchmarks_or_datasets_of_a_topic_is_asked_of_each() -> None:
    plan = planned("Which metrics do the sepsis benchmarks in the collection report?")
    assert (plan.type, plan.aspect) == ("aspect", "result")
    plan = planned("How many patients are in each of the sepsis datasets?")
    assert (plan.type, plan.aspect, plan.measure) == ("aspect", "number", "patient")
    # the data sets of one named paper are no list of papers
    assert planned("How many patients are in the test datasets SepsisNet was validated on?").type != "aspect"


def test_a_chinese_superlative_counts_body_regions_diseases_and_hospitals() -> None:
    assert superlative_measure("哪个数据集包含的解剖部位最多?") == "region"
    assert superlative_measure("哪项研究覆盖的疾病最多?") == "disease"
    assert values(["Cases come from 28 anatomical regions."], superlative_measure("哪个数据集的部位最多?")) == [28.0]


def test_a_background_opener_that_goes_on_to_the_contribution_is_the_records_own() -> None:
    named = scored("While prior work uses PPO, we propose TreeRL, a tree-search policy method.", 0.9)
    detail = scored("Our method allocates the budget to uncertain states.", 0.95)
    gap = scored("However, existing policy methods are unstable.", 0.97)
    assert aspect_quotes([gap, detail, named], "method") == [detail, named]  # the best two both hold a method
    assert aspect_quotes([gap, named], "method") == [named]


def test_the_fewest_wins_and_comes_first(seed_settings: Settings) -> None:
    turn = answer("Which benchmark asked the fewest clinicians to take part?", settings=seed_settings)
    assert turn.plan is not None and (turn.plan.type, turn.plan.fewest) == ("superlative", True)
    assert turn.sources[0].hit.short_name == "Cancer-Myth"  # source [1] is the winner the answer names
    assert turn.text.startswith("Fewest clinicians: **Cancer-Myth") and "3 physicians. [1]" in turn.text


def test_a_superlative_over_a_topic_ranks_only_its_papers(seed_settings: Settings) -> None:
    plan = planned("Which of the ECG papers benchmarked the most models?")
    assert (plan.type, plan.measure, plan.subject) == ("superlative", "model", "ECG")
    turn = answer("Among the sleep papers, which one counts the most models?", settings=seed_settings)
    # the fallacy paper's 38 models are no sleep paper's: no sleep paper counts models
    assert "38" not in turn.text


def test_a_count_of_data_sets_is_no_data_size() -> None:
    assert planned("心电相关的论文里哪篇用的数据集最多?").measure == "dataset"  # 最多: how many data sets
    assert planned("哪个数据集最小?").measure == BY_SIZE  # 最小: its size
    for question in ("哪篇论文的样本量最大?", "Which study has the smallest sample size?"):
        plan = planned(question)
        assert (plan.type, plan.measure) == ("superlative", BY_SIZE), question
    plan = QuestionPlan("superlative", "number", measure=BY_SIZE, fewest=True)
    sources = [source(1, "PoolSet", "We pool 12 public datasets."), source(2, "WardSet", "The dataset has 900 scans.")]
    assert next(superlative_lines(sources, plan, "en")).startswith("Smallest: **WardSet**, 900 scans.")


def test_a_result_answers_only_as_a_result_reached() -> None:
    aim = scored("We aim to develop a practical method for improving robustness under shift.", 0.95)
    other = scored("Prior detectors can localise lesions, which improves reader accuracy.", 0.94)
    reached = scored("Our model improves Dice by 4.2 points over the strongest baseline.", 0.9)
    assert aspect_quotes([aim, other, reached], "result") == [reached]
    assert aspect_quotes([aim, other], "result") == []
    for said in ("It reaches 91.3 AUROC on the test set.", "It outperforms all baselines.", "Accuracy rose to 88%."):
        assert aspect_quotes([scored(said, 0.9)], "result"), said


def test_the_size_superlative_asked_with_scale_first_and_no_metric_counted() -> None:
    assert (planned("规模最小的数据集是哪个?").measure, planned("规模最小的数据集是哪个?").fewest) == (BY_SIZE, True)
    # "the highest AUROC" ranks results, which no count of "A...s" ("QA-pairs") answers
    assert planned("Which paper reports the highest AUROC?").type != "superlative"


def test_a_chinese_size_superlative_finds_records_by_their_english_sizes(seed_settings: Settings) -> None:
    turn = answer("规模最大的数据集是哪个?", settings=seed_settings)
    assert not turn.abstained and turn.text.startswith("规模最大:")  # 规模 is no topic word an English record holds


def test_a_superlative_ranks_within_the_field_its_acronym_or_chinese_term_names() -> None:
    assert planned("Which CT dataset has the most scans?").subject == "CT"
    assert planned("哪个心电数据集的记录最多?").subject == "ecg"  # the English of a Chinese domain term
    assert planned("Which paper involved the most physicians?").subject == ""  # its verb is no field


def test_a_compare_on_an_aspect_says_which_paper_does_not_give_it() -> None:
    assert planned("Compare PolypNet and LungScan on the data they train on.").aspect == "dataset"
    plan = QuestionPlan("compare", "dataset", ["PolypNet", "LungScan"])
    sources = [
        source(1, "PolypNet", "We propose PolypNet, a video model.", "It is trained on 1,200 colonoscopy videos."),
        source(2, "LungScan", "We introduce LungScan, a detector.", "Public lung datasets are scarce."),
    ]
    lines = list(extractive_answer(sources, plan, "en"))
    assert "1,200 colonoscopy videos" in lines[1] and "does not say" not in lines[1]
    assert "Public lung datasets are scarce" not in lines[2]  # no sentence on its own data: said plainly
    assert lines[2].rstrip().endswith("a detector. [2] Its abstract does not say this. [2]")


def test_a_superlatives_field_is_no_word_of_what_it_counts() -> None:
    assert planned("Which study compared the most AI models?").subject == ""  # AI qualifies the counted models
    plan = planned("Which of the sepsis trial papers enrolled the most patients?")
    assert (plan.measure, plan.subject) == ("patient", "sepsis trial")
    # the highest value of a metric is read from each paper's result, not counted
    plan = planned("Which of the retina papers reports the highest AUROC?")
    assert (plan.type, plan.aspect, plan.subject) == ("aspect", "result", "retina")
