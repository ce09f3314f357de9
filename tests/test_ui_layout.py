"""The page at a laptop's size (1280x900) and a phone's (390x844), in headless Chromium: examples in view, no
external fetch (fonts included), a long question said to be shortened without its header covering the panel,
relevance as words, one entry per track, a way back to the answer after a citation jump, Chinese labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from assistant.settings import Settings
from tests.browser import ask, open_app, start_chromium
from tests.helpers import free_port, serve_app

pytestmark = pytest.mark.slow

LIVECLIN = "what is LiveClin and how many physicians took part?"


@pytest.fixture(scope="module")
def layout_app(seed_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("layout-data")
    (data / "index").symlink_to(seed_settings.index_dir, target_is_directory=True)
    yield from serve_app(seed_settings.replace(data_dir=data, port=free_port()))


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    driver = start_chromium(tmp_path / "profile", (1280, 900))
    yield driver
    driver.quit()


def rect(driver: webdriver.Chrome, selector: str) -> dict[str, float]:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, height: r.height};",
        selector,
    )


def test_laptop_layout(laptop: webdriver.Chrome, layout_app: str, output_dir: Path) -> None:
    open_app(laptop, layout_app)
    examples = laptop.find_elements(By.XPATH, '//button[contains(., "which papers work on EEG?")]')
    assert examples and examples[0].is_displayed()
    assert laptop.execute_script("return arguments[0].getBoundingClientRect().bottom;", examples[0]) <= 900
    tracks = laptop.execute_script(  # the track dropdown's choices, as the page was given them
        "const c = window.gradio_config.components.find(c => c.props.elem_id === 'flt-track');"
        "return c.props.choices.map(x => x[0]);"
    )
    assert "medical imaging · 医学影像" in tracks and "医学影像" not in tracks and len(tracks) == len(set(tracks))
    radios = laptop.execute_script(  # the two radio groups of the layout (chats, backend), no stray third one
        "return window.gradio_config.components.filter(c => c.type === 'radio').map(c => c.props.elem_id);"
    )
    assert sorted(radios) == ["backend", "chats"], radios

    ask(laptop, LIVECLIN)
    score = laptop.find_element(By.CSS_SELECTOR, "#src-1 .src-score").text
    assert score.startswith("best match") and "0.0" not in score
    long_question = "what is LiveClin " + "and what does it measure " * 800  # ~20,000 characters
    laptop.execute_script(
        "const box = document.querySelector('#question textarea'); box.value = arguments[0];"
        "box.dispatchEvent(new Event('input', {bubbles: true}));",
        long_question,
    )
    laptop.find_element(By.ID, "ask").click()
    WebDriverWait(laptop, 90).until(
        lambda d: (
            "first 2,000 characters" in d.find_elements(By.CSS_SELECTOR, "#chat .message.bot")[-1].text
            and "Answered by" in d.find_elements(By.CSS_SELECTOR, "#chat .message.bot")[-1].text
        )
    )
    head, panel = rect(laptop, "#sources .src-head"), rect(laptop, "#sources .src-panel")
    assert head["height"] < panel["height"] / 4  # the sticky header leaves the panel readable
    outside = laptop.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(location.origin) && !n.startsWith('data:') && !n.startsWith('blob:'));"
    )
    assert outside == []  # no font service, no CDN: the page works offline
    fonts = laptop.execute_script("return getComputedStyle(document.body).fontFamily;")
    assert "Montserrat" not in fonts
    laptop.save_screenshot(str(output_dir / "laptop.png"))


def test_phone_layout_leads_back_to_the_answer(layout_app: str, tmp_path: Path, output_dir: Path) -> None:
    phone = start_chromium(tmp_path / "profile", (390, 844))
    try:
        open_app(phone, layout_app)
        WebDriverWait(phone, 10).until(  # the chat list starts folded on a phone
            lambda d: "open" not in (d.find_element(By.ID, "sidebar").get_attribute("class") or "").split()
        )
        assert phone.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1;")
        answer = ask(phone, LIVECLIN)
        link = answer.find_elements(By.CSS_SELECTOR, 'a[href*="#src-1"]')[0]
        phone.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
        link.click()
        back = WebDriverWait(phone, 10).until(lambda d: d.find_element(By.ID, "back-to-answer"))
        WebDriverWait(phone, 10).until(lambda _: back.is_displayed())
        WebDriverWait(phone, 10).until(  # the card came into view
            lambda d: d.execute_script(
                "const r = document.getElementById('src-1').getBoundingClientRect();"
                "return r.top < window.innerHeight && r.bottom > 0;"
            )
        )
        phone.save_screenshot(str(output_dir / "phone-card.png"))
        back.click()
        WebDriverWait(phone, 10).until(
            lambda d: d.execute_script(
                "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
                link,
            )
        )
        assert not back.is_displayed()
    finally:
        phone.quit()


def test_labels_follow_the_browser_language(layout_app: str, tmp_path: Path) -> None:
    chinese = start_chromium(tmp_path / "profile", lang="zh-CN")
    try:
        open_app(chinese, layout_app)
        WebDriverWait(chinese, 10).until(lambda d: d.find_element(By.ID, "ask").text == "提问")
        assert chinese.find_element(By.ID, "new-chat").text == "新对话"
        assert "用中文或英文询问已收录的论文" in chinese.find_element(By.ID, "chat").text  # the empty chat's invitation
    finally:
        chinese.quit()
