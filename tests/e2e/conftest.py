"""End-to-end tests in a real browser: Playwright driving Debian's Chromium against the app
served by a real HTTP server on 127.0.0.1 (a free port), in a phone-sized window.

Playwright's own browser download does not work on these machines: `bin/test` installs
Debian's `chromium` when it can (root and apt). Without /usr/bin/chromium these tests skip
and say why. Screenshots of every page go to artifacts/screenshots/ (git-ignored).
"""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# A mid-range Android phone, the officers' usual screen.
PHONE_VIEWPORT = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _chromium_or_skip():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"E2E: no Chromium at {CHROMIUM}; bin/test installs Debian's chromium when run as root "
                    "with apt, or set CHROMIUM_PATH (Playwright's own browser download does not work here)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": _chromium_or_skip(), "headless": True,
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE_VIEWPORT, "is_mobile": True, "has_touch": True,
            "device_scale_factor": 2, "locale": "en-GB"}


@pytest.fixture(scope="session")
def live_server(app_for_backend):
    """The test app behind a threaded HTTP server on 127.0.0.1, on a port the OS picks."""
    _chromium_or_skip()
    server = make_server("127.0.0.1", 0, app_for_backend, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(page, screenshot_dir, database_url):
    """shoot("miners") saves the whole page as artifacts/screenshots/miners.png (SQLite run)
    and miners-postgres.png (PostgreSQL run)."""
    suffix = "" if database_url.startswith("sqlite") else "-postgres"

    def save(name):
        path = screenshot_dir / f"{name}{suffix}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def pytest_report_header(config):
    # Said once at the top of the run, besides each test's skip reason.
    found = os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)
    return f"e2e: Chromium {'at ' + CHROMIUM if found else 'not found at ' + CHROMIUM + ': browser tests skip'}"
