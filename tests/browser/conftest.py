"""Fixtures for the browser tests: headless Chromium (Playwright) and the built site on 127.0.0.1.

The tests here run only when selected with ``-m browser``:

    python tools/site.py && python -m pytest -o addopts="" -m browser tests/browser

Without Chromium or Playwright they skip and say why, unless ``COURSE_REQUIRE_BROWSER=1``
(set by ``.ci/run``): then a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"
PHONE = {"width": 390, "height": 844}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def pytest_collection_modifyitems(config, items):
    """Skip browser tests unless ``-m browser`` selected them (they take minutes)."""
    if "browser" in (config.option.markexpr or "") or REQUIRED:
        return
    skip = pytest.mark.skip(reason="browser tests run only with `-m browser` (see CONTRIBUTING.md)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def missing(reason: str):
    """Fail when the browser is required (CI), else skip with ``reason``."""
    if REQUIRED:
        pytest.fail(f"COURSE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable (Debian's /usr/bin/chromium, or one on PATH)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("playwright is not installed (pip install -r requirements-site.txt)")
    found = next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)
    if found is None:
        missing("no Chromium found (Debian: apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A headless Chromium driven by Playwright (its own browser download is never used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site; built here with ``python tools/site.py`` when ``_site/`` is missing."""
    if not (SITE / "index.html").exists():
        try:
            import myst_nb  # noqa: F401
        except ImportError:
            missing("the site's packages are not installed (pip install -r requirements-site.txt)")
        subprocess.run([sys.executable, str(ROOT / "tools" / "site.py")], check=True, cwd=ROOT)
    return SITE


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="session")
def site_url(site_dir) -> str:
    """``http://127.0.0.1:<port>/``: the site served by a thread running http.server."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def contexts(browser, site_url):
    """Browser contexts: light desktop, dark desktop (furo's stored choice), light phone."""
    light = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    light.add_init_script("localStorage.setItem('theme', 'light')")
    dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    dark.add_init_script("localStorage.setItem('theme', 'dark')")
    phone = browser.new_context(viewport=PHONE, color_scheme="light")
    yield {"light": light, "dark": dark, "phone": phone}
    for context in (light, dark, phone):
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """``artifacts/screenshots/`` (git-ignored), where tests save what they saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
