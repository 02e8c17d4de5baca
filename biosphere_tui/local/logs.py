"""The rotating log file, with secrets redacted before anything is written.

Everything the app and its libraries log goes to one file in the platform's log folder,
never to the terminal (a stray line would garble the screen). Known secrets (the portal
token once read) and anything shaped like a credential are replaced by ``[redacted]``.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from biosphere_tui.local.private_files import open_private, private_dir

REDACTED = "[redacted]"


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """What is shaped like a credential; compiled with the first record, not at every start."""
    return (
        re.compile(r"(?i)(bearer\s+)[^\s\"',]+"),
        re.compile(r"(?i)(x-(?:auth|subject)-token['\"]?\s*[:=]\s*['\"]?)[^\s\"',}]+"),
        re.compile(r"(?i)(\"?(?:password|token|secret|adminpass)\"?\s*[:=]\s*['\"]?)[^\s\"',}]+"),
    )


class Redactor(logging.Filter):
    """Rewrites each record's message with secrets removed (args are merged first)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if len(secret) >= 6:  # a very short "secret" would redact ordinary words
            self.secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _patterns():
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


redactor = Redactor()


class _PrivateRotatingFile(RotatingFileHandler):
    """Each log file, the first and every one after a rotation, readable by its owner only."""

    def _open(self) -> IO[str]:
        return open_private(Path(self.baseFilename), self.mode, encoding=self.encoding, errors=self.errors)


def setup(path: Path, level: int = logging.INFO) -> None:
    """Send every log record to ``path`` (1 MB, 3 backups), redacted; nothing to the terminal."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    try:
        private_dir(path.parent, own=True)
        handler: logging.Handler = _PrivateRotatingFile(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # no log folder: the app still runs
    handler.addFilter(redactor)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("keystoneauth", "openstack", "httpx", "httpcore", "urllib3", "stevedore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
