"""``biosphere-tui serve`` in a real headless Chromium: the app runs in the page, keys work,
and the page loads nothing from any address but loopback."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from biosphere_tui.serve import ServeError, local_template

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p and Path(p).exists()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the page's xterm.js Terminal is not exposed: note it when the page's code assigns ``this.terminal``
CATCH_TERMINAL = """Object.defineProperty(Object.prototype, "terminal", {configurable: true, set(value) {
  Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
  (window.__terminals = window.__terminals || []).push(value); }});"""
SCREEN_TEXT = """() => { const term = (window.__terminals || [])[0]; if (!term) return "";
  const lines = []; for (let i = 0; i < term.rows; i++) { const line = term.buffer.active.getLine(i);
  lines.push(line ? line.translateToString(true) : ""); } return lines.join("\\n"); }"""
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_template_patch_removes_the_font_cdn_and_refuses_other_remote_loads() -> None:
    import textual_serve

    original = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" in original  # what the patch is for (fails if textual-serve changes)
    patched = local_template(original)
    assert "googleapis" not in patched and "fonts/RobotoMono-VariableFont_wght.ttf" in patched
    assert 'data-session-websocket-url="{{ app_websocket_url }}/{{ session_token }}"' in patched
    with pytest.raises(ServeError):
        local_template(patched + '<script src="https://cdn.example/x.js"></script>')
    with pytest.raises(ServeError):  # a page whose WebSocket would go without the secret
        local_template(original.replace('"{{ app_websocket_url }}"', '"{{ app_websocket_url | safe }}"'))


def _wait_for_words(page, words: list[str], *, seconds: float) -> None:  # noqa: ANN001
    """Until the page's terminal shows every word (a bound on waiting, not a timing assertion)."""
    page.wait_for_function(f"words => words.every(word => ({SCREEN_TEXT})().includes(word))", arg=words,
                           timeout=seconds * 1000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "serve", "--port", str(port), "--demo"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = server.stdout.readline()  # printed before the server starts listening
        url = re.search(rf"http://127\.0\.0\.1:{port}/\?token=[A-Za-z0-9_-]{{43}}(?=\s)", first)
        assert url, first
        yield url.group()
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
def test_the_app_runs_in_a_headless_chromium(served: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    requested: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 900})
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.add_init_script(CATCH_TERMINAL)
            page.goto(served)
            # the demo cloud starts, the first refresh fills the home screen (bounded wait, not a timing assertion)
            _wait_for_words(page, ["sources fresh", "Quota use", "marine-meta"], seconds=90)
            page.click(".textual-terminal")
            page.keyboard.press("5")  # to the Sites screen, through the browser's keyboard
            # the Sites screen's table and detail pane, drawn by the app in the page's terminal
            _wait_for_words(page, ["vCPU free", "GenOuest", "OpenStack API answered"], seconds=60)
            assert "Quota use" not in page.evaluate(SCREEN_TEXT)  # the home screen is gone
            page.screenshot(path=str(tmp_path / "sites.png"))
        finally:
            browser.close()
    assert requested, "the page made no request at all"
    outside = [url for url in requested if urlparse(url).scheme in ("http", "https", "ws", "wss")
               and urlparse(url).hostname not in LOOPBACK]
    assert outside == []
    assert not [url for url in requested if not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))]
