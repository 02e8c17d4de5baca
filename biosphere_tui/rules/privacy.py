"""Privacy mode: IP and e-mail addresses, hosts with their port (``host:port``) and the host of
every link are masked wherever they are drawn or printed (for screencasts).

One function, ``mask``, here; ``widgets/privacy.py`` applies it to every line the app draws
(tables, details, toasts, the header), so no screen needs its own copy. A masked address keeps
its width, so the layout does not move; the data (and the clipboard) keep the real values.

The mask of a secret (a password, a token) is here too, so the screens and the commands show
the same one: ``secret_text``.
"""

from __future__ import annotations

import re
from functools import cache

MASK = "•"
SECRET_MASK = MASK * 6  # a secret's value, one length whatever its own (which would say something)
_IPV4 = r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"
_IPV4_CUT = r"(?<![\w.])\d{1,3}(?:\.\d{0,3}){1,3}…"  # an address a narrow column cut short
_IPV6 = (r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"  # eight groups
         r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])")  # with ::
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]*)*…?"  # also user@host of ssh commands and ssh:// links
_PORT = r"(?::\d{1,5})?(?!\w)"
_URL_HOST = rf"(?<=://)(?:[^\s/@]*@)?(?:\[[^\]\s/]*\]|[\w.%-]+){_PORT}"  # a link's user, host and port
_BRACKETED = rf"\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?\]{_PORT}"  # [IPv6]:port
_HOST_PORT = r"(?<![\w.-])(?:(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+|localhost):\d{1,5}(?!\w)"  # host.name:port, 10.0.0.1:22
_USER_IPV6 = rf"[\w.+-]+@(?:{_IPV6})"  # ssh user@2001:db8::7


@cache
def address() -> re.Pattern[str]:
    """What is masked; compiled when first used (privacy mode on, a command's ``--privacy``), not
    before the app's first frame."""
    return re.compile("|".join((_URL_HOST, _BRACKETED, _HOST_PORT, _USER_IPV6, _EMAIL, _IPV6, _IPV4, _IPV4_CUT)))


def mask(text: str) -> str:
    """``text`` with every IP and e-mail address replaced by as many ``•``."""
    return address().sub(lambda m: MASK * len(m.group()), text)


def secret_text(value: str | None, *, secret: bool, reveal: bool = False) -> str:
    """A parameter's value as shown: ``SECRET_MASK`` for a secret unless ``reveal``; none as ""."""
    return SECRET_MASK if secret and not reveal else value or ""
