"""The configuration file, the paths the app uses, and where the portal token comes from.

This is the only module that knows where things live. ``config.toml``::

    [portal]                      # optional: without it the app works on OpenStack alone
    url = "https://biosphere.example/api/v1"
    token_env = "BIOSPHERE_TOKEN" # or: token_keyring = "<account>"  or: token_file = "<path, mode 0600>"
    timeout = 10
    verify_tls = true             # false turns certificate checks off (the app and doctor warn)

    [openstack]
    clouds_yaml = "~/.config/openstack/clouds.yaml"   # optional: as the openstack CLI (OS_CLIENT_CONFIG_FILE,
                                  # OS_CLOUD, openrc OS_* variables); given, that file alone
    sites = ["ifb-core-cloud", "ifb-bird-stack"]      # clouds.yaml entries that are Biosphère sites
                                  # (without a portal, left out: OS_CLOUD's cloud, else the openrc's,
                                  # else every cloud of the clouds.yaml)
    timeout = 10

    [refresh]
    interval = 30                 # seconds between background refreshes

    [cache]
    path = "/somewhere/cache.sqlite"   # optional

    [idle]                        # the idle VM finder
    running_days = 14             # running with no activity seen for this many days
    shutoff_days = 14             # shut off for this many days

    [notifications]
    enabled = true                # toasts when a VM fails or is Ready, a quota passes 90 %, a request arrives
    bell = false                  # and ring the terminal bell

    [app]
    read_only = false             # true: nothing can be changed from the app
    privacy = false               # true: IP and e-mail addresses are masked on screen
    lang = "fr"                   # "fr" or "en"; default: from the locale (LC_ALL, LC_MESSAGES, LANG)
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from biosphere_tui.errors import ConfigError
from biosphere_tui.local.folders import cache_dir, config_dir
from biosphere_tui.local.logs import redactor
from biosphere_tui.rules.idle import IdleSettings

KEYRING_SERVICE = "biosphere-tui"
DEFAULT_TOKEN_ENV = "BIOSPHERE_TOKEN"
OPENSTACK_ENV_SECRETS = ("OS_PASSWORD", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_TOKEN")  # an openrc's


def default_config_file() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class TokenSource:
    """Where the portal token is read from; ``describe()`` never shows the value."""

    kind: str  # "env" | "keyring" | "file"
    name: str  # variable name, keyring account, or file path

    def describe(self) -> str:
        return {"env": "environment variable", "keyring": "system keyring account", "file": "file"}[self.kind] + f" {self.name}"

    def read(self) -> str:
        if self.kind == "env":
            value = os.environ.get(self.name, "").strip()
            if not value:
                raise ConfigError(f"the portal token is read from the environment variable {self.name}, which is not set")
        elif self.kind == "keyring":
            value = _read_keyring(self.name)
        else:
            value = _read_token_file(Path(self.name))
        redactor.add(value)  # whatever happens next, the log never shows it
        return value


NO_KEYRING = ("no system keyring is available here (usual over SSH, without a desktop session); "
              "keep the token in a file instead: biosphere-tui token set --file, then portal.token_file "
              "(or set portal.token_env)")


def usable_keyring() -> Any:
    """The system keyring backend, or a ``ConfigError`` saying which other token source to use
    when there is none (keyring's "fail" backend, the usual case over SSH)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise ConfigError(NO_KEYRING) from None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        raise ConfigError(NO_KEYRING)
    return backend


def _read_keyring(account: str) -> str:
    from keyring.errors import KeyringError

    backend = usable_keyring()
    try:
        value = backend.get_password(KEYRING_SERVICE, account)
    except (KeyringError, RuntimeError) as exc:
        raise ConfigError(f"the system keyring could not be read ({type(exc).__name__})") from None
    if not value:
        raise ConfigError(f"no portal token in the system keyring for service {KEYRING_SERVICE!r}, account {account!r}")
    return value.strip()


def default_token_file() -> Path:
    return config_dir() / "token"


def store_token(value: str, *, file: Path | None = None, keyring_account: str | None = None) -> str:
    """Keep the portal token in ``keyring_account`` of the system keyring, or else in ``file``
    (default: next to config.toml, mode 0600); returns the ``[portal]`` line that reads it."""
    value = value.strip()
    if not value:
        raise ConfigError("no token given (nothing was saved)")
    if keyring_account is not None:
        from keyring.errors import KeyringError

        try:
            usable_keyring().set_password(KEYRING_SERVICE, keyring_account, value)
        except (KeyringError, RuntimeError) as exc:
            raise ConfigError(f"the system keyring refused the token ({type(exc).__name__})") from None
        return f'token_keyring = "{keyring_account}"'
    from biosphere_tui.local.private_files import private_dir, write_private

    path = (file or default_token_file()).expanduser()
    try:
        private_dir(path.parent, own=file is None)
        with write_private(path) as out:
            out.write(value + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write the token file {path} ({exc.strerror or type(exc).__name__})") from None
    return f'token_file = "{path}"'


def _read_token_file(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        raise ConfigError(f"the token file {path} does not exist or cannot be read") from None
    if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigError(
            f"the token file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"run: chmod 600 {path}"
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"the token file {path} cannot be read") from None
    if not value:
        raise ConfigError(f"the token file {path} is empty")
    return value


@dataclass(frozen=True)
class PortalSettings:
    url: str
    token: TokenSource
    timeout: float = 10.0
    verify_tls: bool = True


@dataclass(frozen=True)
class OpenStackSettings:
    clouds_yaml: Path | None = None
    sites: tuple[str, ...] = ()
    timeout: float = 10.0
    origin: str = ""  # where ``sites`` came from when config.toml lists none (e.g. "OS_CLOUD")


@dataclass(frozen=True)
class NotificationSettings:
    enabled: bool = True
    bell: bool = False


@dataclass(frozen=True)
class Config:
    portal: PortalSettings | None
    openstack: OpenStackSettings = field(default_factory=OpenStackSettings)
    refresh_interval: float = 30.0
    cache_path: Path = field(default_factory=lambda: cache_dir() / "cache.sqlite")
    source: Path | None = None  # the file it was read from, if any
    idle: IdleSettings = field(default_factory=IdleSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    read_only: bool = False
    privacy: bool = False
    lang: str | None = None  # None: from the locale

    @property
    def openstack_only(self) -> bool:
        """No portal: the app works on the OpenStack sites alone (VMs are Nova servers)."""
        return self.portal is None


_KNOWN = {
    "portal": {"url", "token_env", "token_keyring", "token_file", "timeout", "verify_tls"},
    "openstack": {"clouds_yaml", "sites", "timeout"},
    "refresh": {"interval"},
    "cache": {"path"},
    "idle": {"running_days", "shutoff_days"},
    "notifications": {"enabled", "bell"},
    "app": {"read_only", "privacy", "lang"},
}
LANGS = ("en", "fr")


def load(path: Path | None = None) -> Config:
    """Read the config file (the default one if ``path`` is None; a missing default is fine)."""
    for name in OPENSTACK_ENV_SECRETS:  # openstacksdk may read them: whatever happens next, the log never shows them
        redactor.add(os.environ.get(name, ""))
    explicit = path is not None
    path = path or default_config_file()
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: no such configuration file")
        return Config(portal=None, openstack=_found_sites(OpenStackSettings()))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__})") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path) -> Config:
    where = str(path)
    for section, value in data.items():
        if section not in _KNOWN:
            raise ConfigError(f"{where}: unknown section [{section}] (known: {', '.join(sorted(_KNOWN))})")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {section} must be a [section]")
        for key in value:
            if key not in _KNOWN[section]:
                raise ConfigError(f"{where}: unknown key {section}.{key}")
    base = path.parent
    openstack = data.get("openstack", {})
    refresh = data.get("refresh", {})
    cache = data.get("cache", {})
    idle = data.get("idle", {})
    notifications = data.get("notifications", {})
    portal = _portal(data["portal"], where, base) if "portal" in data else None
    clouds_yaml = _path(openstack, "clouds_yaml", where, "openstack", base)
    sites = tuple(_str_list(openstack, "sites", where))
    app = data.get("app", {})
    lang = app.get("lang")
    if lang is not None and lang not in LANGS:
        raise ConfigError(f"{where}: app.lang must be one of {', '.join(LANGS)}")
    config = Config(
        portal=portal,
        openstack=OpenStackSettings(
            clouds_yaml=clouds_yaml,
            sites=sites,
            timeout=_number(openstack, "timeout", where, "openstack", 10.0),
        ),
        refresh_interval=_number(refresh, "interval", where, "refresh", 30.0),
        cache_path=_path(cache, "path", where, "cache", base) or cache_dir() / "cache.sqlite",
        source=path,
        idle=IdleSettings(
            running_days=_number(idle, "running_days", where, "idle", 14.0),
            shutoff_days=_number(idle, "shutoff_days", where, "idle", 14.0),
        ),
        notifications=NotificationSettings(
            enabled=_flag(notifications, "enabled", where, "notifications", True),
            bell=_flag(notifications, "bell", where, "notifications", False),
        ),
        read_only=_flag(app, "read_only", where, "app", False),
        privacy=_flag(app, "privacy", where, "app", False),
        lang=lang,
    )
    if portal is None and not sites:  # OpenStack-only mode: the clouds openstacksdk finds
        config = replace(config, openstack=_found_sites(config.openstack))
        if not config.openstack.sites:
            raise ConfigError(f"{where}: no [portal] section and no OpenStack cloud in "
                              f"{clouds_yaml or 'any clouds.yaml openstacksdk looks for, nor OS_* variables'}: "
                              "configure a portal, or clouds (see README, OpenStack-only mode)")
    return config


def require_sources(config: Config) -> None:
    """The app needs a portal or at least one OpenStack cloud."""
    if config.portal is None and not config.openstack.sites:
        where = config.source or default_config_file()
        raise ConfigError(f"no portal and no OpenStack cloud configured: write {where} with a [portal] section, "
                          "or a clouds.yaml, or source your openrc (see README, OpenStack-only mode)")


def _found_sites(settings: OpenStackSettings) -> OpenStackSettings:
    """Without a portal nor a list of sites, the sites are found as the ``openstack`` CLI finds its
    cloud: OS_CLOUD's, else the one of the openrc OS_* variables, else every cloud of the clouds.yaml."""
    from biosphere_tui.api.openstack import find_clouds  # openstacksdk's own loader, only in this case

    clouds = find_clouds(settings.clouds_yaml)
    if clouds.selected is not None:
        return replace(settings, sites=(clouds.selected,), origin=clouds.origin)
    return replace(settings, sites=clouds.names, origin="clouds.yaml" if clouds.names else "")


def _portal(section: dict[str, Any], where: str, base: Path) -> PortalSettings:
    url = _url(section.get("url"), where)
    given = [k for k in ("token_env", "token_keyring", "token_file") if k in section]
    if len(given) > 1:
        raise ConfigError(f"{where}: choose one of portal.token_env, portal.token_keyring, portal.token_file "
                          f"(got {', '.join(given)})")
    kind = given[0] if given else "token_env"
    raw = section.get(kind, DEFAULT_TOKEN_ENV)
    if not isinstance(raw, str) or not raw or "\0" in raw:
        raise ConfigError(f"{where}: portal.{kind} must be a non-empty string")
    if kind == "token_file":
        raw = str(_resolve(raw, base))
    verify = _flag(section, "verify_tls", where, "portal", True)
    return PortalSettings(
        url=url,
        token=TokenSource(kind.removeprefix("token_"), raw),
        timeout=_number(section, "timeout", where, "portal", 10.0),
        verify_tls=verify,
    )


# Every numeric setting, "section.key": (lowest, highest, unit). NaN and infinities are refused too.
BOUNDS: dict[str, tuple[float, float, str]] = {
    "portal.timeout": (0.5, 300, "seconds"),
    "openstack.timeout": (0.5, 300, "seconds"),
    "refresh.interval": (5, 86400, "seconds"),
    "idle.running_days": (0.5, 3650, "days"),
    "idle.shutoff_days": (0.5, 3650, "days"),
}


def _url(url: object, where: str) -> str:
    """The portal's URL: http(s), a host, a valid port, and no user name or password (the token
    authenticates; a password there would be sent as Basic auth and printed). Never echoed."""
    plain = f"{where}: portal.url must be an http(s) URL, e.g. https://biosphere.example/api/v1"
    if not isinstance(url, str) or any(c.isspace() or not c.isprintable() for c in url):
        raise ConfigError(plain)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError(f"{plain} (its address or port is not valid)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(plain)
    if port == 0:
        raise ConfigError(f"{plain} (its port must be from 1 to 65535)")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{where}: portal.url must not hold a user name or password (remove the part before @; "
                          "the portal token is used)")
    return url


def _number(section: dict[str, Any], key: str, where: str, name: str, default: float) -> float:
    """A finite number within ``BOUNDS``, else one line naming the key and the bounds."""
    value = section.get(key, default)
    low, high, unit = BOUNDS[f"{name}.{key}"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:  # NaN fails too
        raise ConfigError(f"{where}: {name}.{key} must be a positive number of {unit}, from {low:g} to {high:g}")
    return float(value)


def _flag(section: dict[str, Any], key: str, where: str, name: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {name}.{key} must be true or false")
    return value


def _path(section: dict[str, Any], key: str, where: str, name: str, base: Path) -> Path | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or "\0" in value:
        raise ConfigError(f"{where}: {name}.{key} must be a path")
    return _resolve(value, base)


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _str_list(section: dict[str, Any], key: str, where: str) -> list[str]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: openstack.{key} must be a list of clouds.yaml entry names")
    return value
