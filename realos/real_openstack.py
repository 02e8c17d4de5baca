#!/usr/bin/env python3
"""A real OpenStack cloud on 127.0.0.1 for the tests: ``up``, ``down``, ``status``.

Keystone, Placement, Glance (file store), Neutron (API only) and Nova (api, conductor,
scheduler, and a compute with the fake virt driver) from PyPI, in their own virtualenv
(``.venv-openstack``), with Debian's RabbitMQ and SQLite databases; state, configuration and
logs in ``.real-openstack``. ``up`` installs what is missing, starts every service, waits
until each answers, and provisions a project, users, flavours, an image and a network; it
writes ``.real-openstack/clouds.yaml``. Exit code 3 means this machine cannot run it (the
reason is printed); 1 means it failed (see the logs).

Run with the standard library only: ``./dev real-openstack up|down|status``.
"""

from __future__ import annotations

import argparse
import configparser
import grp
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = Path(os.environ.get("REALOS_VENV", ROOT / ".venv-openstack"))
STATE = Path(os.environ.get("REALOS_STATE", ROOT / ".real-openstack"))
PORT_BASE = int(os.environ.get("REALOS_PORT_BASE", "28100"))
PACKAGES = ["keystone==30.0.0", "nova==34.0.0", "openstack-placement==16.0.0",
            "glance==33.0.0", "neutron==29.0.0", "gunicorn==27.0.1"]
CONSTRAINTS = HERE / "constraints.txt"
MIN_AVAILABLE_MIB = 2500
REGION = "RegionOne"
SERVICE_USERS = ("nova", "placement", "glance", "neutron")
EXIT_CANNOT = 3


class CannotStart(Exception):
    """This machine cannot run the cloud (not a failure of the cloud itself)."""


class Failed(Exception):
    """A step failed; the message says which and where its log is."""


@dataclass(frozen=True)
class Ports:
    """Every port the cloud listens on, all on 127.0.0.1."""

    keystone: int = PORT_BASE
    placement: int = PORT_BASE + 1
    glance: int = PORT_BASE + 2
    neutron: int = PORT_BASE + 3
    nova: int = PORT_BASE + 4
    amqp: int = PORT_BASE + 5
    erlang_dist: int = PORT_BASE + 6
    epmd: int = PORT_BASE + 7


PORTS = Ports()


def log(message: str) -> None:
    """One progress line on stderr."""
    print(f"real-openstack: {message}", file=sys.stderr, flush=True)


# --- prerequisites and installation -------------------------------------------------------

def available_mib() -> int:
    """MemAvailable from /proc/meminfo, in MiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def rabbitmq_bin() -> Path:
    """The RabbitMQ launcher that runs as the current user (Debian's /usr/sbin one su's)."""
    return Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def check_machine() -> None:
    """Raise CannotStart when this machine cannot run the cloud."""
    if not sys.platform.startswith("linux"):
        raise CannotStart("needs Linux")
    if available_mib() < MIN_AVAILABLE_MIB:
        raise CannotStart(f"needs {MIN_AVAILABLE_MIB} MiB of available memory, "
                          f"{available_mib()} MiB available")
    if not rabbitmq_bin().exists() and not (os.geteuid() == 0 and shutil.which("apt-get")):
        raise CannotStart("RabbitMQ is not installed and cannot be (needs root and apt-get)")


def install_rabbitmq() -> None:
    """apt-get install rabbitmq-server, without starting Debian's own instance."""
    if rabbitmq_bin().exists():
        return
    log("installing rabbitmq-server with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", RUNLEVEL="1")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "rabbitmq-server"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode:
            raise CannotStart(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")


def install_signature() -> str:
    """What the virtualenv was built from: reinstall when it changes."""
    parts = [*PACKAGES, CONSTRAINTS.read_text(), (HERE / "neutron_binder" / "realos_neutron_binder.py").read_text()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def state_signature() -> str:
    """What the configuration and databases were made by: make them anew when it changes."""
    scripts = [(HERE / name).read_text() for name in ("real_openstack.py", "provision.py")]
    return hashlib.sha256("\n".join([install_signature(), *scripts]).encode()).hexdigest()


def install_services() -> None:
    """Create .venv-openstack with the services and every dependency as realos/constraints.txt pins them.

    That file is a complete ``pip freeze`` (less PACKAGES), so pip installs it as listed, without
    its resolver, and ``pip check`` then proves nothing is missing. Nothing is compiled ahead: each
    service writes the bytecode of the modules it imports (~40 %) when it first starts; compiling
    them all was half of pip's CPU.
    """
    stamp = VENV / "realos-installed"
    if stamp.exists() and stamp.read_text() == install_signature():
        return
    log(f"installing {', '.join(PACKAGES)} into {VENV} (a few minutes)")
    if not (VENV / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", str(VENV)], "create the virtualenv")
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--no-deps", "--no-compile", "-r", str(CONSTRAINTS), *PACKAGES,
         str(HERE / "neutron_binder")], "pip install the services")
    run([*pip, "check"], "check the services' dependencies (realos/constraints.txt)")
    stamp.write_text(install_signature())


def run(command: list[str], what: str, env: dict[str, str] | None = None) -> str:
    """Run a command to completion; Failed with the end of its output when it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=STATE if STATE.exists() else None)
    if done.returncode:
        output = (done.stdout + done.stderr).strip()
        raise Failed(f"could not {what} ({command[0]} exited {done.returncode}): {output[-1500:]}")
    return done.stdout


# --- configuration ------------------------------------------------------------------------

def settings() -> dict:
    """Passwords (made once, kept 0600) and every path and port the provisioning needs."""
    path = STATE / "settings.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "ports": PORTS.__dict__,
        "region": REGION,
        "state": str(STATE),
        "passwords": {name: secrets.token_hex(16)  # hex: never read as an option ("-..."), nor quoted in a URL
                      for name in ("admin", "user", "reader", *SERVICE_USERS)},
    }
    write_private(path, json.dumps(values, indent=1))
    return values


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def write_ini(path: Path, sections: dict[str, dict[str, object]]) -> None:
    """Write an oslo.config file."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    for section, values in sections.items():
        parser[section] = {key: str(value) for key, value in values.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        parser.write(handle)


def url(port: int, path: str = "") -> str:
    """http://127.0.0.1:port/path."""
    return f"http://127.0.0.1:{port}{path}"


def sqlite_url(name: str) -> str:
    """An SQLAlchemy URL for a database file in the state folder."""
    return f"sqlite:///{STATE / 'db' / name}.sqlite"


def authtoken(user: str, password: str) -> dict[str, object]:
    """A [keystone_authtoken]-style section for a service user."""
    return {"www_authenticate_uri": url(PORTS.keystone, "/v3"), "auth_url": url(PORTS.keystone, "/v3"),
            "auth_type": "password", "username": user, "password": password, "project_name": "service",
            "user_domain_name": "Default", "project_domain_name": "Default", "region_name": REGION,
            "interface": "public", "service_token_roles_required": True}


def service_auth(user: str, password: str) -> dict[str, object]:
    """A keystoneauth section (Nova's [placement], [neutron]) for a service user."""
    values = authtoken(user, password)
    for key in ("www_authenticate_uri", "interface", "service_token_roles_required"):
        del values[key]
    return {**values, "valid_interfaces": "public"}


def write_configs(config: dict) -> None:
    """Every service's configuration under .real-openstack/etc."""
    passwords = config["passwords"]
    etc = STATE / "etc"
    transport = f"rabbit://guest:guest@127.0.0.1:{PORTS.amqp}/"
    locks = {"lock_path": STATE / "locks"}
    noop = {"driver": "noop"}
    write_ini(etc / "keystone" / "keystone.conf", {
        "database": {"connection": sqlite_url("keystone")},
        # bcrypt's fewest rounds: every sign-in checks a password, ~0.24 s of CPU each at the default 12
        "identity": {"password_hash_rounds": 4},
        # the worker's own memory as cache (one worker writes everything, so it stays coherent): a token
        # issued or checked costs ~15 ms of CPU instead of 80-120 ms of SQLAlchemy queries
        "cache": {"enabled": True, "backend": "dogpile.cache.memory"},
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": STATE / "keystone" / "fernet-keys"},
        "fernet_receipts": {"key_repository": STATE / "keystone" / "fernet-keys"},
        "credential": {"key_repository": STATE / "keystone" / "credential-keys"},
    })
    write_ini(etc / "placement" / "placement.conf", {
        "placement_database": {"connection": sqlite_url("placement")},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": authtoken("placement", passwords["placement"]),
        "oslo_concurrency": locks,
    })
    for service, paste in (("glance", "glance-api-paste.ini"), ("nova", "api-paste.ini")):
        (etc / service).mkdir(parents=True, exist_ok=True)  # their WSGI loaders look beside the .conf
        shutil.copy(VENV / "etc" / service / paste, etc / service / paste)
    write_ini(etc / "glance" / "glance-api.conf", {
        "DEFAULT": {"enabled_backends": "fs:file", "bind_host": "127.0.0.1", "bind_port": PORTS.glance,
                    "worker_self_reference_url": url(PORTS.glance)},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": STATE / "glance" / "images"},
        "os_glance_staging_store": {"filesystem_store_datadir": STATE / "glance" / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": STATE / "glance" / "tasks"},
        "database": {"connection": sqlite_url("glance")},
        "keystone_authtoken": authtoken("glance", passwords["glance"]),
        "paste_deploy": {"flavor": "keystone"},
        "oslo_concurrency": locks,
        "oslo_messaging_notifications": noop,
    })
    write_ini(etc / "neutron" / "neutron.conf", {
        "DEFAULT": {"core_plugin": "ml2", "service_plugins": "", "auth_strategy": "keystone",
                    "transport_url": transport, "api_paste_config": VENV / "etc" / "neutron" / "api-paste.ini",
                    "notify_nova_on_port_status_changes": False, "notify_nova_on_port_data_changes": False,
                    "state_path": STATE / "neutron", "bind_host": "127.0.0.1", "bind_port": PORTS.neutron},
        "database": {"connection": sqlite_url("neutron")},
        "keystone_authtoken": authtoken("neutron", passwords["neutron"]),
        "ml2": {"type_drivers": "local,flat", "tenant_network_types": "local",
                "mechanism_drivers": "realos_bind_all", "extension_drivers": "port_security"},
        "oslo_concurrency": locks,
        "oslo_messaging_notifications": noop,
    })
    write_ini(etc / "nova" / "nova.conf", {
        "DEFAULT": {"transport_url": transport, "compute_driver": "fake.FakeDriverWithoutFakeNodes",
                    "host": "realos-compute", "my_ip": "127.0.0.1", "state_path": STATE / "nova",
                    "instances_path": STATE / "nova" / "instances",
                    "graceful_shutdown_timeout": 1},  # nova-compute's stop took 10 s of the suite's last ones
        "api": {"auth_strategy": "keystone", "max_limit": 2},
        "api_database": {"connection": sqlite_url("nova_api")},
        "database": {"connection": sqlite_url("nova_cell1")},
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": -1},
        "keystone_authtoken": authtoken("nova", passwords["nova"]),
        "placement": service_auth("nova", passwords["nova"]),
        "neutron": service_auth("nova", passwords["nova"]),
        "glance": {"region_name": REGION, "valid_interfaces": "public"},
        "service_user": {**service_auth("nova", passwords["nova"]), "send_service_user_token": True},
        "vnc": {"enabled": False},
        "oslo_concurrency": locks,
        "oslo_messaging_notifications": noop,
    })


# --- databases ----------------------------------------------------------------------------

def venv_bin(name: str) -> str:
    """A command of the services' virtualenv."""
    return str(VENV / "bin" / name)


def service_env(**extra: str) -> dict[str, str]:
    """The environment of every service: loopback never proxied, bytecode cached."""
    env = {key: value for key, value in os.environ.items()
           if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "pythondontwritebytecode")
           and not key.startswith(("OS_", "VIRTUAL_ENV"))}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}")
    env.update(extra)
    return env


def conf(service: str, name: str | None = None) -> str:
    """A service's configuration file."""
    return str(STATE / "etc" / service / (name or f"{service}.conf"))


NEUTRON_SCHEMA = """
import sys, sqlalchemy
from neutron.db.migration.models import head
head.get_metadata().create_all(sqlalchemy.create_engine(sys.argv[1]))
"""


def create_databases(config: dict) -> None:
    """Create and fill every SQLite database, then switch them to WAL (several processes write)."""
    for folder in ("db", "nova/instances", "neutron", "locks"):
        (STATE / folder).mkdir(parents=True, exist_ok=True)
    env = service_env()
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    keystone = [venv_bin("keystone-manage"), "--config-file", conf("keystone")]
    nova = [venv_bin("nova-manage"), "--config-file", conf("nova")]
    identity = url(PORTS.keystone, "/v3")
    steps: list[tuple[list[str], str]] = [
        ([*keystone, "db_sync"], "create Keystone's database"),
        ([*keystone, "fernet_setup", "--keystone-user", user, "--keystone-group", group], "make Fernet keys"),
        ([*keystone, "credential_setup", "--keystone-user", user, "--keystone-group", group], "make credential keys"),
        ([*keystone, "bootstrap", f"--bootstrap-password={config['passwords']['admin']}",
          "--bootstrap-admin-url", identity, "--bootstrap-public-url", identity,
          "--bootstrap-internal-url", identity, "--bootstrap-region-id", REGION], "bootstrap Keystone"),
        ([venv_bin("placement-manage"), "--config-file", conf("placement"), "db", "sync"], "create Placement's database"),
        ([venv_bin("glance-manage"), "--config-file", conf("glance", "glance-api.conf"), "db_sync"], "create Glance's database"),
        ([*nova, "api_db", "sync"], "create Nova's API database"),
        ([*nova, "cell_v2", "map_cell0", "--database_connection", sqlite_url("nova_cell0")], "map Nova's cell0"),
        ([*nova, "cell_v2", "create_cell", "--name", "cell1"], "create Nova's cell1"),
        ([*nova, "db", "sync"], "create Nova's cell databases"),
        ([venv_bin("python"), "-c", NEUTRON_SCHEMA, sqlite_url("neutron")], "create Neutron's schema from its models"),
        ([venv_bin("neutron-db-manage"), "--config-file", conf("neutron"), "stamp", "heads"], "stamp Neutron's schema"),
    ]
    for command, what in steps:
        log(what)
        run(command, what, env)
    for database in (STATE / "db").glob("*.sqlite"):
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA journal_mode=WAL")


# --- processes ----------------------------------------------------------------------------

PROCESSES = STATE / "processes.json"


def start_time(pid: int) -> str | None:
    """The kernel's start time of a process (to never signal a reused pid), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def recorded() -> list[dict]:
    """The processes this script started, as recorded."""
    return json.loads(PROCESSES.read_text()) if PROCESSES.exists() else []


def alive(entry: dict) -> bool:
    """Whether a recorded process is still the one we started."""
    return start_time(entry["pid"]) == entry["start"]


def spawn(name: str, command: list[str], env: dict[str, str]) -> None:
    """Start a process in its own process group, its output in log/<name>.log; record it."""
    (STATE / "log").mkdir(parents=True, exist_ok=True)
    with open(STATE / "log" / f"{name}.log", "ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=STATE, start_new_session=True)
    entries = [*recorded(), {"name": name, "pid": process.pid, "start": start_time(process.pid)}]
    PROCESSES.write_text(json.dumps(entries, indent=1))


def gunicorn(name: str, port: int, module: str, **env: str) -> None:
    """Start a WSGI service under gunicorn on 127.0.0.1:port.

    One synchronous worker is enough for a test cloud, and safe: no service calls itself.
    """
    spawn(name, [venv_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "180",
                 "--graceful-timeout", "5", "--no-control-socket", "--name", name,
                 "--chdir", str(HERE), "shim:application"],
          service_env(REALOS_WSGI_MODULE=module, **env))


def wait_until(what: str, ready: Callable[[], object], name: str, timeout: float = 240) -> None:
    """Poll ready() until true; Failed (naming the log) if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        entry = next((e for e in recorded() if e["name"] == name), None)
        if entry is not None and not alive(entry):
            raise Failed(f"{name} exited while starting; see {STATE / 'log' / (name + '.log')}")
        if time.monotonic() > deadline:
            raise Failed(f"{what} did not answer within {timeout:.0f} s; see {STATE / 'log' / (name + '.log')}")
        time.sleep(0.5)


def answers(address: str) -> bool:
    """Whether an HTTP server answers at address (any status below 500)."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(address, timeout=5):
            return True
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_rabbitmq() -> None:
    """EPMD then RabbitMQ, both on 127.0.0.1 and in our own process groups."""
    base = STATE / "rabbitmq"
    base.mkdir(parents=True, exist_ok=True)
    env = service_env(HOME=str(base), ERL_EPMD_PORT=str(PORTS.epmd), ERL_EPMD_ADDRESS="127.0.0.1",
                      RABBITMQ_NODENAME="realos@localhost", RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                      RABBITMQ_NODE_PORT=str(PORTS.amqp), RABBITMQ_DIST_PORT=str(PORTS.erlang_dist),
                      RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(base / "log"),
                      RABBITMQ_CONFIG_FILE=str(base / "rabbitmq"), RABBITMQ_CONF_ENV_FILE=str(base / "rabbitmq-env.conf"),
                      RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
                      RABBITMQ_ADVANCED_CONFIG_FILE=str(base / "advanced.config"),
                      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}")
    (base / "rabbitmq-env.conf").touch()
    (base / "enabled_plugins").write_text("[].\n")
    spawn("epmd", ["epmd", "-port", str(PORTS.epmd), "-address", "127.0.0.1"], env)
    wait_until("EPMD", lambda: listening(PORTS.epmd), "epmd", 30)
    spawn("rabbitmq", [str(rabbitmq_bin())], env)
    wait_until("RabbitMQ", lambda: listening(PORTS.amqp), "rabbitmq")


def provision(phase: str, *extra: str) -> None:
    """Run realos/provision.py (openstacksdk, in the services' virtualenv) for one phase.

    Fails at once, naming its log, if a service dies meanwhile.
    """
    log(f"provisioning: {phase}")
    output = STATE / "log" / f"provision-{phase}.log"
    with open(output, "w") as handle:
        process = subprocess.Popen([venv_bin("python"), str(HERE / "provision.py"), phase, str(STATE / "settings.json"), *extra],
                                   env=service_env(), stdout=handle, stderr=subprocess.STDOUT, cwd=STATE)
    while process.poll() is None:
        dead = [entry["name"] for entry in recorded() if not alive(entry)]
        if dead:
            process.kill()
            process.wait()
            raise Failed(f"{dead[0]} exited during provisioning; see {STATE / 'log' / (dead[0] + '.log')}")
        time.sleep(0.5)
    if process.returncode:
        raise Failed(f"provisioning ({phase}) failed: {output.read_text().strip()[-1500:]}")


def start_services(first_time: bool) -> None:
    """Start every process in dependency order, waiting for each to answer."""
    start_rabbitmq()
    gunicorn("keystone", PORTS.keystone, "keystone.wsgi.api", OS_KEYSTONE_CONFIG_DIR=str(STATE / "etc" / "keystone"))
    wait_until("Keystone", lambda: answers(url(PORTS.keystone, "/v3")), "keystone")
    if first_time:
        provision("identity")
    etc = STATE / "etc"
    gunicorn("placement", PORTS.placement, "placement.wsgi.api", OS_PLACEMENT_CONFIG_DIR=str(etc / "placement"))
    gunicorn("glance", PORTS.glance, "glance.wsgi.api", OS_GLANCE_CONFIG_DIR=str(etc / "glance"))
    gunicorn("neutron", PORTS.neutron, "neutron.wsgi.api", OS_NEUTRON_CONFIG_DIR=str(etc / "neutron"),
             OS_NEUTRON_CONFIG_FILES="neutron.conf", REALOS_PRELOAD="neutron.db.migration.models.head")
    gunicorn("nova-api", PORTS.nova, "nova.wsgi.osapi_compute", OS_NOVA_CONFIG_DIR=str(etc / "nova"))
    started = datetime.now(UTC).replace(tzinfo=None).isoformat()
    for name in ("nova-conductor", "nova-scheduler", "nova-compute"):
        spawn(name, [venv_bin("python"), str(HERE / "shim.py"), name, "--config-file", conf("nova")], service_env())
    for name, port in (("placement", PORTS.placement), ("glance", PORTS.glance),
                       ("neutron", PORTS.neutron), ("nova-api", PORTS.nova)):
        wait_until(name, lambda port=port: answers(url(port, "/")), name)
    provision("compute", started)
    if first_time:  # the host's mapping stays in Nova's API database
        run([venv_bin("nova-manage"), "--config-file", conf("nova"), "cell_v2", "discover_hosts"],
            "map the compute host", service_env())
        provision("cloud")


# --- commands -----------------------------------------------------------------------------

def running() -> list[dict]:
    """The recorded processes still alive."""
    return [entry for entry in recorded() if alive(entry)]


def up(fresh: bool) -> None:
    """Install what is missing, then start and provision the cloud."""
    if recorded() and len(running()) == len(recorded()):
        log(f"already running; {STATE / 'clouds.yaml'}")
        return
    if recorded():
        down()
    check_machine()
    if fresh and STATE.exists():
        shutil.rmtree(STATE)
    busy = [port for port in PORTS.__dict__.values() if listening(port)]
    if busy:
        raise CannotStart(f"127.0.0.1 port(s) {busy} already in use by another program "
                          "(set REALOS_PORT_BASE to move the cloud)")
    began = time.monotonic()
    install_rabbitmq()
    install_services()
    STATE.mkdir(parents=True, exist_ok=True)
    config = settings()
    initialised = STATE / "initialised"
    first_time = not initialised.exists() or initialised.read_text() != state_signature()
    try:
        if first_time:
            for folder in ("db", "keystone", "nova", "neutron", "glance"):
                shutil.rmtree(STATE / folder, ignore_errors=True)
            write_configs(config)
            create_databases(config)
        start_services(first_time)
    except BaseException:
        down()
        raise
    initialised.write_text(state_signature())
    log(f"up in {time.monotonic() - began:.0f} s; clouds.yaml: {STATE / 'clouds.yaml'}")


def down() -> None:
    """Stop every process this script started (by recorded process group), newest first."""
    entries = [entry for entry in reversed(recorded()) if alive(entry)]
    for entry in entries:
        os.killpg(entry["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 20
    while any(alive(entry) for entry in entries) and time.monotonic() < deadline:
        time.sleep(0.2)
    for entry in entries:
        if alive(entry):
            os.killpg(entry["pid"], signal.SIGKILL)
    PROCESSES.unlink(missing_ok=True)
    if entries:
        log(f"stopped {', '.join(entry['name'] for entry in entries)}")


def status() -> int:
    """Print each recorded process and whether it runs; 0 when the whole cloud runs."""
    entries = recorded()
    if not entries:
        print("real OpenStack: not running")
        return 1
    for entry in entries:
        state = "running" if alive(entry) else "stopped"
        print(f"{entry['name']:<15} pid {entry['pid']:<8} {state}")
    whole = all(alive(entry) for entry in entries)
    print(f"clouds.yaml: {STATE / 'clouds.yaml'}" if whole else "real OpenStack: partly stopped (run down, then up)")
    return 0 if whole else 1


def main(argv: list[str] | None = None) -> int:
    """./dev real-openstack up [--fresh] | down | status."""
    parser = argparse.ArgumentParser(prog="./dev real-openstack", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--fresh", action="store_true", help="up: forget the databases and start anew")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "up":
            up(arguments.fresh)
        elif arguments.command == "down":
            down()
        else:
            return status()
    except CannotStart as reason:
        print(f"real-openstack: cannot run here: {reason}", file=sys.stderr)
        return EXIT_CANNOT
    except Failed as reason:
        print(f"real-openstack: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
