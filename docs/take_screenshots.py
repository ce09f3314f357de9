"""Take the README's screenshots of the chat UI with headless Chromium: docs/chat-1280x900.png (a cited answer
with its source card followed) and docs/chat-390x844.png (the same on a phone, after the citation jump).

    PYTHONPATH=. .venv/bin/python docs/take_screenshots.py

Uses the index in ASSISTANT_DATA_DIR (default .data/; built from seeds/ when missing) and a throwaway data dir
for the conversations, so your own chats are neither shown nor changed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from assistant.settings import Settings
from assistant.ui.app import ensure_index
from tests.browser import ask, open_app, start_chromium
from tests.helpers import free_port, serve_app

DOCS = Path(__file__).resolve().parent
QUESTIONS = ["which papers work on EEG?", "what is LiveClin and how many physicians took part?"]


def shoot(url: str, size: tuple[int, int], out: Path, profile: Path) -> None:
    driver = start_chromium(profile, size)
    try:
        open_app(driver, url)
        for question in QUESTIONS:
            answer = ask(driver, question)
        link = answer.find_elements(By.CSS_SELECTOR, 'a[href*="#src-1"]')[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
        link.click()
        card = driver.find_element(By.ID, "src-1")
        WebDriverWait(driver, 10).until(lambda d: "is-target" in (card.get_attribute("class") or ""))
        settled = "return arguments[0].getAnimations().length === 0;"
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(settled, card))
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


def main() -> int:
    base = Settings()
    ensure_index(base)
    with tempfile.TemporaryDirectory(prefix="assistant-shots-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "index").symlink_to(base.index_dir.resolve(), target_is_directory=True)
        settings = base.replace(data_dir=data, port=free_port())
        for url in serve_app(settings):
            for size in ((1280, 900), (390, 844)):
                out = DOCS / f"chat-{size[0]}x{size[1]}.png"
                shoot(url, size, out, Path(tmp) / f"profile-{size[0]}")
                print(f"wrote {out.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
