"""End to end in headless Chromium: ask, read the streamed cited answer, follow a citation, and check
that markup inside a record or a question is shown as text and never runs.

Screenshots land in test-output/<test name>/ (the README's are taken by docs/take_screenshots.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from assistant.index.ingest import ingest
from assistant.settings import Settings
from tests.browser import ask, bot_messages, in_view, new_chat, open_app
from tests.helpers import free_port, paper, serve_app, write_corpus

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=1;alert(2)">'
LIVECLIN = "what is LiveClin and how many physicians took part?"


@pytest.fixture(scope="module")
def seed_app(seed_settings: Settings) -> Iterator[str]:
    yield from serve_app(seed_settings.replace(port=free_port()))


def no_alert(driver: webdriver.Chrome) -> bool:
    try:
        WebDriverWait(driver, 1.5).until(EC.alert_is_present())
    except TimeoutException:
        return True
    driver.switch_to.alert.dismiss()
    return False


def test_answer_streams_cites_and_links_to_source_cards(
    browser: webdriver.Chrome, seed_app: str, seed_settings: Settings, output_dir: Path
) -> None:
    open_app(browser, seed_app)
    browser.save_screenshot(str(output_dir / "01-loaded.png"))
    answer = ask(browser, LIVECLIN)
    assert "239 physicians" in answer.text and "Answered by: extractive" in answer.text
    citations = answer.find_elements(By.CSS_SELECTOR, 'a[href*="#src-1"]')
    assert citations and citations[0].text == "[1]"
    cards = browser.find_elements(By.CSS_SELECTOR, "#sources .src-card")
    assert len(cards) >= 2
    card = browser.find_element(By.ID, "src-1")
    assert "cited" in (card.get_attribute("class") or "") and "LiveClin" in card.text
    assert any("239 physicians" in m.text for m in card.find_elements(By.TAG_NAME, "mark"))  # supporting quote
    browser.save_screenshot(str(output_dir / "02-answer.png"))

    # Scroll the panel away from the card, then follow the citation: the card comes into view, highlighted.
    browser.execute_script("document.querySelector('#sources .src-panel').scrollTop = 1e6;")
    WebDriverWait(browser, 10).until(  # the (smooth) scroll has reached the bottom of the panel
        lambda d: d.execute_script(
            "const p = document.querySelector('#sources .src-panel');"
            "return p.scrollTop + p.clientHeight >= p.scrollHeight - 1;"
        )
    )
    url, windows = browser.current_url, len(browser.window_handles)
    citations[-1].click()
    WebDriverWait(browser, 10).until(
        lambda d: "is-target" in (d.find_element(By.ID, "src-1").get_attribute("class") or "")
    )
    WebDriverWait(browser, 10).until(lambda d: in_view(d, d.find_element(By.ID, "src-1")))
    assert browser.current_url == url and len(browser.window_handles) == windows  # no navigation, no new tab
    assert len(browser.find_elements(By.CSS_SELECTOR, ".src-card.is-target")) == 1
    WebDriverWait(browser, 10).until(  # the highlight animation has run out, for the picture
        lambda d: d.execute_script("return arguments[0].getAnimations().length === 0;", d.find_element(By.ID, "src-1"))
    )
    browser.save_screenshot(str(output_dir / "03-citation-followed.png"))

    # Thumbs up lands in the feedback file as one JSON line.
    feedback = seed_settings.feedback_file
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    browser.find_elements(By.CSS_SELECTOR, '#chat button[aria-label="Like"]')[-1].click()
    WebDriverWait(browser, 10).until(
        lambda _: feedback.exists() and feedback.read_text(encoding="utf-8").count("\n") > before
    )
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["vote"] == "up" and record["question"] == LIVECLIN and "239 physicians" in record["answer"]


def test_chinese_question_follow_up_and_new_chat(browser: webdriver.Chrome, seed_app: str, output_dir: Path) -> None:
    open_app(browser, seed_app)
    answer = ask(browser, "哪篇论文研究呼吸音诊断?")
    assert answer.text.startswith("根据收录的记录") and "Resp-Agent" in answer.text
    assert answer.find_elements(By.CSS_SELECTOR, 'a[href*="#src-1"]')
    follow = ask(browser, "does it have code?")
    assert "github.com/zpforlove/Resp-Agent" in follow.text
    # the first answer's citations now point at its folded cards, which open when followed
    old_link = bot_messages(browser)[0].find_elements(By.CSS_SELECTOR, 'a[href*="#src-t1-1"]')[0]
    old_link.click()
    WebDriverWait(browser, 10).until(
        lambda d: "is-target" in (d.find_element(By.ID, "src-t1-1").get_attribute("class") or "")
    )
    assert browser.find_element(By.ID, "src-t1-1").is_displayed()
    browser.save_screenshot(str(output_dir / "follow-up.png"))
    new_chat(browser)  # the chat and the sources panel are emptied


def test_recognised_filters_are_shown_and_cleared(browser: webdriver.Chrome, seed_app: str, output_dir: Path) -> None:
    open_app(browser, seed_app)
    ask(browser, "list the oral papers")
    active = browser.find_element(By.ID, "active-filters")
    assert "presentation: Oral" in active.text and "from question" in active.text
    presentations = {
        c.get_attribute("data-presentation")
        for c in browser.find_elements(By.CSS_SELECTOR, "#sources .src-panel > .src-card")
    }
    assert presentations == {"Oral"}
    browser.save_screenshot(str(output_dir / "oral.png"))
    browser.find_element(By.ID, "clear-filters").click()
    WebDriverWait(browser, 10).until(lambda d: "No filters" in d.find_element(By.ID, "active-filters").text)


def test_markup_in_records_and_questions_is_shown_as_text(
    browser: webdriver.Chrome, tmp_path: Path, output_dir: Path
) -> None:
    corpus = write_corpus(
        tmp_path / "records",
        [
            (
                paper(f"XSSProbe{SCRIPT}: markup injection in paper records", presentation="Oral"),
                f"We introduce XSSProbe {IMG}, a benchmark that checks that record text is shown as text. "
                "It also holds <b>bold</b> tags and [a link](javascript:alert(3)).",
            ),
            (
                paper("CardioNet: ECG arrhythmia detection with transformers"),
                "We propose CardioNet, a transformer that detects arrhythmia in single-lead ECG recordings.",
            ),
            (
                paper("DermaScope: skin lesion classification", track="医学影像"),
                "We present DermaScope, a vision model that classifies skin lesions from dermoscopy images.",
            ),
        ],
    )
    settings = Settings(data_dir=tmp_path / "data", sources=[corpus], port=free_port())
    assert ingest(settings, progress=False).records == 3
    for url in serve_app(settings):
        open_app(browser, url)
        listed = ask(browser, "list the oral papers")  # the injected record is the only oral one
        assert f"XSSProbe{SCRIPT}" in listed.text and IMG in listed.text
        question = 'what is XSSProbe? <img src=x onerror="window.__pwned=2"> <script>window.__pwned=3</script>'
        answer = ask(browser, question)
        assert SCRIPT in answer.text and "[a link](javascript:alert(3))" in answer.text
        user = browser.find_elements(By.CSS_SELECTOR, "#chat .message.user")[-1]
        assert '<img src=x onerror="window.__pwned=2">' in user.text
        sources = browser.find_element(By.ID, "sources")
        assert SCRIPT in sources.text and IMG in sources.text and "<b>bold</b>" in sources.text
        browser.save_screenshot(str(output_dir / "injected-record.png"))
        # nothing ran, and no element was injected
        assert no_alert(browser)
        assert browser.execute_script("return window.__pwned === undefined")
        assert not browser.find_elements(By.CSS_SELECTOR, 'img[src="x"]')
        assert not browser.find_elements(By.CSS_SELECTOR, "#chat script, #sources script, #chat b, #sources b")
        assert not [
            a
            for a in browser.find_elements(By.CSS_SELECTOR, "#chat a, #sources a")
            if (a.get_attribute("href") or "").startswith("javascript")
        ]
