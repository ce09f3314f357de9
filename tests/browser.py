"""Headless Chromium for the browser tests (registered for every test by ``pytest_plugins`` in tests/conftest.py):
the ``browser`` fixture (module scope, 1440x1050, English), ``start_chromium`` for other sizes and languages,
and helpers that drive the chat page and wait for conditions (never for a fixed time)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def start_chromium(profile: Path, size: tuple[int, int] = (1440, 1050), lang: str = "en-US") -> webdriver.Chrome:
    """A headless Chromium with its own profile; skips the test when Chromium is not installed."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium and chromedriver are not installed (make system-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
        f"--lang={lang}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    # The page sees exactly ``size`` (a headless window's viewport is smaller than the window), and below the
    # smallest headless window a phone's viewport, as a phone would.
    metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 500}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def open_app(driver: webdriver.Chrome, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 60).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))


def bot_messages(driver: webdriver.Chrome) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#chat .message.bot")


def finished_answers(driver: webdriver.Chrome) -> list[str]:
    """The texts of the answers that are complete (their footer, or a warning, is shown)."""
    return list(
        driver.execute_script(
            """return [...document.querySelectorAll('#chat .message.bot')].map(m => m.innerText)
               .filter(t => t.includes('Answered by') || t.includes('⚠') || t.includes('Stopped'));"""
        )
    )


def empty_chat(driver: webdriver.Chrome) -> bool:
    """No message in the chat and no card in the sources panel."""
    return not bot_messages(driver) and not driver.find_elements(By.CSS_SELECTOR, "#sources .src-card")


def new_chat(driver: webdriver.Chrome) -> None:
    """Press New chat and wait for the empty conversation (before asking, so ``ask`` counts the new chat's answers)."""
    driver.find_element(By.ID, "new-chat").click()
    WebDriverWait(driver, 10).until(empty_chat)


def send(driver: webdriver.Chrome, question: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, "#question textarea")
    box.click()
    box.send_keys(question + Keys.ENTER)


def ask(driver: webdriver.Chrome, question: str) -> WebElement:
    """Type a question, submit it with Enter and wait for the finished answer: its footer rendered as
    Markdown (or a warning) and the sources panel showing this question's cards."""
    before = len(bot_messages(driver))
    send(driver, question)

    def finished(d: webdriver.Chrome) -> bool:
        return bool(
            d.execute_script(
                """const m = document.querySelectorAll('#chat .message.bot');
                if (m.length <= arguments[0]) { return false; }
                const last = m[m.length - 1];
                const footer = [...last.querySelectorAll('em')].some(e => e.innerText.includes('Answered by'));
                const head = document.querySelector('#sources .src-head q');
                return (footer || last.innerText.includes('⚠')) && !!head && head.innerText === arguments[1];""",
                before,
                question,
            )
        )

    WebDriverWait(driver, 90, ignored_exceptions=(StaleElementReferenceException,)).until(finished)
    return bot_messages(driver)[-1]


def in_view(driver: webdriver.Chrome, element: WebElement) -> bool:
    """The element's top is inside the visible part of the sources panel and of the window."""
    return bool(
        driver.execute_script(
            """
        const el = arguments[0], panel = el.closest('.src-panel');
        const r = el.getBoundingClientRect(), p = panel.getBoundingClientRect();
        return r.top >= p.top - 1 && r.top < p.bottom && r.top >= 0 && r.top < window.innerHeight;""",
            element,
        )
    )
