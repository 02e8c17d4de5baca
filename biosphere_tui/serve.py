"""``biosphere-tui serve``: the app in a browser through textual-serve, on loopback only.

Each browser tab runs the app as a child process (``python -m biosphere_tui`` with the
options given to ``serve``). textual-serve's page asks a font CDN for its font: we serve it
a copy of its template that loads the same font from its own static files instead, so the
page contacts nothing but 127.0.0.1.
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from pathlib import Path

HOST = "127.0.0.1"
TEMPLATE = "app_index.html"
_CDN_FONT = re.compile(r'<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com/[^"]*"\s*/>', re.S)
_LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf"); }
    </style>"""
# what would make a browser fetch from elsewhere: an absolute URL in an attribute, url() or @import
_REMOTE = re.compile(r"""(?:(?:src|href)\s*=\s*["']|url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.I)


class ServeError(Exception):
    """The page cannot be served without contacting another address."""


def local_template(original: str) -> str:
    """textual-serve's page with its CDN font replaced by the copy in its static files."""
    patched = _CDN_FONT.sub(_LOCAL_FONT, original)
    if _REMOTE.search(patched):
        raise ServeError("textual-serve's page loads something from another address; refusing to serve it")
    return patched


def _templates(into: Path) -> Path:
    import textual_serve

    original = Path(textual_serve.__file__).parent / "templates" / TEMPLATE
    (into / TEMPLATE).write_text(local_template(original.read_text(encoding="utf-8")), encoding="utf-8")
    return into


def child_command(options: list[str]) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "biosphere_tui", *options])


def serve(options: list[str], port: int) -> int:
    """Serve the app until Ctrl+C; prints the URL to open."""
    from textual_serve.server import Server

    with tempfile.TemporaryDirectory(prefix="biosphere-serve-") as folder:
        server = Server(child_command(options), host=HOST, port=port, title="Biosphère",
                        templates_path=_templates(Path(folder)))
        print(f"Open http://{HOST}:{port} in a browser (loopback only). Press Ctrl+C to stop.", flush=True)
        server.serve()
    return 0
