"""The one place an ``ssh`` command is built: from a login name and an address that are checked
first (the portal's ``ssh://`` link, a server's IP and a parameter all come from servers), so that
nothing but ``ssh [-p PORT] user@host`` ever reaches the screen, the clipboard or a CSV file."""

from __future__ import annotations

import ipaddress
import re
import shlex
from typing import NamedTuple
from urllib.parse import urlsplit

from biosphere_tui.i18n import _

USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")  # a POSIX login name (useradd's default rule)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*\.?", re.IGNORECASE)


class Ssh(NamedTuple):
    """The command, or None and why not (``problem`` is None when there is simply no SSH access)."""

    command: str | None
    problem: str | None = None


def plain_host(host: str) -> bool:
    """An IP address (no IPv6 zone) or a DNS name, nothing else."""
    if "%" in host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return HOSTNAME.fullmatch(host) is not None
    return True


def ssh_command(link: str | None, *, host: str | None = None, user: str | None = None) -> Ssh:
    """``ssh [-p PORT] user@host`` from the portal's ``ssh://user@host[:port]`` link.

    ``host`` (the VM's known address) replaces the link's; ``user`` is used when the link names
    none. A link, user or host that is not plain gives no command and says so.
    """
    port = None
    if link is not None:
        odd = _("the portal's SSH link is not a plain user@address; not shown")
        if any(c.isspace() or not c.isprintable() for c in link):
            return Ssh(None, odd)
        parts = urlsplit(link)
        try:
            port = parts.port
        except ValueError:
            return Ssh(None, odd)
        if (parts.scheme != "ssh" or parts.path not in ("", "/") or parts.query or parts.fragment
                or parts.password is not None or not parts.hostname or not plain_host(parts.hostname)
                or (parts.username is not None and not USER.fullmatch(parts.username))):
            return Ssh(None, odd)
        user = parts.username or user
        host = host or parts.hostname
    if host is None or user is None:
        return Ssh(None)
    if not USER.fullmatch(user) or not plain_host(host):
        return Ssh(None, _("the VM's login name or address is not plain; no SSH command shown"))
    words = ["ssh", *(["-p", str(port)] if port not in (None, 22) else []), f"{user}@{host}"]
    return Ssh(shlex.join(words))
