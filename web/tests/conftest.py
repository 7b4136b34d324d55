"""Selenium with Debian's chromium and chromium-driver against servers that
crates/tap-server/tests/web_page.rs starts; it passes their addresses in
ADQL_PAGE_URL (open) and ADQL_PAGE_TOKEN_URL with ADQL_PAGE_TOKEN (bearer
tokens required)."""

import json
import os
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("ADQL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ADQL_CHROMEDRIVER", "/usr/bin/chromedriver")


def start_browser(download_dir: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # Aladin Lite draws with WebGL2: software rendering, headless.
        "--enable-unsafe-swiftshader",
        "--use-angle=swiftshader",
        "--window-size=1400,900",
        # No network but the server's: every other host fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={download_dir.parent / 'profile'}",
    ]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    driver.set_script_timeout(30)
    return driver


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("downloads")
    return path


@pytest.fixture(scope="module")
def browser(downloads):
    driver = start_browser(downloads)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def base_url() -> str:
    url = os.environ.get("ADQL_PAGE_URL")
    if not url:
        pytest.fail("ADQL_PAGE_URL is not set: run these through `cargo test -p tap-server --test web_page`")
    return url.rstrip("/")


def requested_urls(driver) -> list[str]:
    """Every URL the page asked for since the last call (Chrome's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for(condition, timeout=30, what="the page"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def screenshot(driver, name):
    """Saves a screenshot when ADQL_PAGE_SCREENSHOTS names a directory (docs/images)."""
    target = os.environ.get("ADQL_PAGE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(target) / name))
