"""Serving the app to tests: a free loopback port, app.py in a subprocess, and waiting in headless Debian Chromium
for its pictures to change. Shared by the client and browser tests; their fixtures live in conftest.py."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TIMEOUT_MS = 30_000
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed")


def free_port() -> int:
    """A free TCP port on the loopback interface, for apps the tests launch."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(model_dir: Path, *extra: str):
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "app.py", "--model", str(model_dir), "--device", "cpu", "--port", str(port), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("app.py did not answer within 120 s")


def src(page, selector: str) -> str:
    return page.locator(selector).get_attribute("src")


def wait_src_change(page, selector: str, old: str) -> str:
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.src !== old; }",
        arg=[selector, old],
        timeout=TIMEOUT_MS,
    )
    return src(page, selector)


def settle(page, ms=600):
    page.wait_for_timeout(ms)


@contextmanager
def app_page(browser, model_dir: Path, tab: str, ready: str, *extra: str, width: int = 1400, height: int = 1000):
    """A launched app (``extra`` command-line arguments) in a new browser page, on ``tab``, once ``ready`` (a
    selector) is on it; closed afterwards."""
    process, url = launch(model_dir, *extra)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(url)
        page.get_by_role("tab", name=tab).click()
        page.locator(ready).wait_for()
        yield page
    finally:
        page.close()
        process.terminate()
        process.wait(timeout=20)
