"""The lab's index and a report opened in headless Chromium: every image loads, nothing is
logged as an error, nothing overflows a laptop-sized window. Screenshots go to tmp_path."""

import importlib.util
import os
import shutil

import numpy as np
import pytest
from PIL import Image

LAPTOP = (1366, 768)
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = ("chromedriver", "/usr/lib/chromium/chromedriver")
INSTALL = "`make test` installs the Debian packages chromium and chromium-driver"


def _missing(what: str) -> None:
    """Skip on a developer's machine; fail under CI (which sets CI), so that CI cannot pass
    without ever having opened a report in a browser."""
    message = f"{what}; {INSTALL}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


def _which(names):
    return next((path for path in map(shutil.which, names) if path), None)


@pytest.fixture(scope="module")
def browser():
    if importlib.util.find_spec("selenium") is None:
        _missing("selenium is not installed (pip install -e '.[dev]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = _which(CHROMIUM), _which(CHROMEDRIVER)
    if chromium is None or chromedriver is None:
        _missing(f"no {'Chromium' if chromium is None else 'chromedriver'} here")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={LAPTOP[0]},{LAPTOP[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    yield driver
    driver.quit()


def load(driver, url):
    """Open ``url``, wait for every image; (name, natural width) of each and the errors logged."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # start from an empty log
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "[...document.images].every(image => image.complete)"
        )
    )
    images = driver.execute_script(
        "return [...document.images].map(image => [image.alt, image.naturalWidth])"
    )
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return images, errors


def overflows(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def screenshot(driver, path):
    driver.save_screenshot(str(path))
    with Image.open(path) as image:
        assert image.width == LAPTOP[0] and image.height > LAPTOP[1] / 2  # less the window's frame
        assert len(np.unique(np.asarray(image.convert("L")))) > 16  # a page, not a blank window


def test_the_harness_sees_a_broken_image_and_a_console_error(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><img alt="gone" src="missing.png"><script>console.error("boom")</script>'
    )
    images, errors = load(browser, page.as_uri())
    assert images == [["gone", 0]]
    assert any("missing.png" in e for e in errors) and any("boom" in e for e in errors)


def test_index_and_a_report_load_whole_in_chromium(browser, tiny_lab, entries, tmp_path):
    from selenium.webdriver.common.by import By

    _, index = tiny_lab
    images, errors = load(browser, index.as_uri())
    assert errors == []
    assert len(images) == sum(e.status == "finished" for e in entries.values())
    assert all(width > 0 for _, width in images), images
    assert not overflows(browser)
    screenshot(browser, tmp_path / "index.png")

    # Follow the card's link, as a reader would.
    browser.find_element(By.CSS_SELECTOR, '#gan-mnist h2 a[href$="report.html"]').click()
    assert browser.current_url == (entries["gan-mnist"].run_dir / "report.html").as_uri()
    images, errors = load(browser, browser.current_url)
    assert errors == []
    captions = [alt for alt, _ in images]
    assert "samples · epoch 2" in captions and "Losses" in captions and "progress" in captions
    assert all(width > 0 for _, width in images), images
    assert not overflows(browser)
    screenshot(browser, tmp_path / "report.png")
