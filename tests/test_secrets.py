"""No secret anywhere: under every fault of the portal and of a site, through the clients, the
sync, the commands and the app, the portal token and the OpenStack passwords appear in no
message, screen, log, cache, journal, state file or crash report. And TLS: verified unless
the configuration says otherwise, and then the app and doctor say so."""

from __future__ import annotations

import asyncio
import io
import socket
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import rich
from pilot_support import settle
from rich.console import Console
from rich.pretty import pretty_repr
from rich.traceback import Traceback
from screen_text import text_of
from textual.notifications import Notify

from biosphere_tui import errors
from biosphere_tui.actions import Actions
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.app import TLS_OFF, BiosphereApp
from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config
from biosphere_tui.demo import contract as wire
from biosphere_tui.demo.httpserver import FAULTS
from biosphere_tui.local import logs
from biosphere_tui.local.folders import journal_file, log_file, state_file
from biosphere_tui.models.deployments import DeploymentRequest
from biosphere_tui.screens.registry import SCREENS
from biosphere_tui.scripting import commands
from biosphere_tui.sync import Sync

SITE = "ifb-bird-stack"
GROUP = "marine-meta"
PAST_ANY_BACKOFF = 301  # seconds of demo time after which a failed source is asked again (backoff.CAP)
MATRIX = [(source, fault) for source in ("portal", SITE) for fault in FAULTS if fault != "none"]


def secrets_of(demo, config: Config) -> dict[str, str]:  # noqa: ANN001
    """Each secret under a name that can be printed: the token and every site's password."""
    assert config.openstack.clouds_yaml is not None
    found = {"portal token": demo.token}
    for line in config.openstack.clouds_yaml.read_text().splitlines():
        if line.strip().startswith("password:"):
            found[f"password #{len(found)}"] = line.split(":", 1)[1].strip().strip('"')
    assert len(found) == 1 + len(demo.sites) and all(len(s) >= 8 for s in found.values())
    return found


def leaks(haystack: dict[str, str | bytes], secrets: dict[str, str]) -> list[str]:
    """Where each secret was found (the places and the secrets' names, never their values)."""
    return [f"{name} in {where}" for where, text in haystack.items() for name, secret in secrets.items()
            if (secret.encode() if isinstance(text, bytes) else secret) in text]


def on_disk(config: Config) -> dict[str, str | bytes]:
    """The cache (with its WAL), the log, the journal and the state file, as bytes."""
    paths = [config.cache_path, *(config.cache_path.with_name(config.cache_path.name + s) for s in ("-wal", "-shm")),
             *log_file().parent.glob("*.log*"), journal_file(), state_file()]
    return {str(p): p.read_bytes() for p in paths if p.exists()}


def exception_text(exc: BaseException) -> str:
    """``str`` and ``repr`` of an exception and of every exception chained to it."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 20:
        parts += [str(seen), repr(seen)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def warm(config: Config, demo) -> None:  # noqa: ANN001
    """The cache filled by one refresh, as on a warm start."""
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        runner.refresh_blocking()
    finally:
        runner.close()


@pytest.fixture
def quick(demo_config: Config) -> Config:
    """Short timeouts (2 s, as the other demo tests: the hanging faults end sooner, and a healthy
    source still answers on a loaded machine), an empty cache, the log file on."""
    assert demo_config.portal is not None
    logs.setup(log_file())
    open_cache(demo_config.cache_path).db.close()
    return replace(demo_config, portal=replace(demo_config.portal, timeout=2.0),
                   openstack=replace(demo_config.openstack, timeout=2.0))


@pytest.fixture
def quick_warm(quick: Config, demo) -> Config:  # noqa: ANN001
    warm(quick, demo)
    return quick


async def client_failures(config: Config) -> list[str]:
    """What the clients raise, read and write, portal and site."""
    assert config.portal is not None
    found: list[str] = []
    async with PortalClient(config.portal.url, config.portal.token.read(), timeout=2.0, attempts=1) as portal:
        for call in (portal.me, lambda: portal.approve(GROUP, "mreq-nope"), lambda: portal.delete_deployment("nope")):
            try:
                await call()
            except errors.SourceError as exc:
                found.append(exception_text(exc))
    site = SiteClient(SITE, config.openstack.clouds_yaml, timeout=2.0)
    try:
        for call in (site.snapshot, lambda: site.delete_server("nope")):
            try:
                await asyncio.to_thread(call)
            except errors.SourceError as exc:
                found.append(exception_text(exc))
    finally:
        site.close()
    return found


def test_no_secret_under_any_fault_through_clients_sync_and_commands(quick: Config, demo, capsys,  # noqa: ANN001
                                                                    portal_waits: list[float]) -> None:
    secrets = secrets_of(demo, quick)
    waited: dict[str, list[float]] = {}
    quick = replace(quick, openstack=replace(quick.openstack, sites=(SITE,)))  # the others never fail
    haystack: dict[str, str | bytes] = {}
    runner = Sync(quick, quick.cache_path, now=demo.clock.now)
    try:
        for source, fault in MATRIX:
            demo.set_fault(source, fault)
            results = runner.refresh_blocking(force=True)  # commands.sync's failures set a backoff
            failures = asyncio.run(client_failures(quick))
            commands.sync(quick)
            commands.doctor(quick)
            demo.set_fault(source, "none")
            where = f"{source}/{fault}"
            if portal_waits:
                waited[where] = portal_waits[:]
                portal_waits.clear()
            if (source, fault) != (SITE, "expired_token"):  # keystoneauth signs in again, rightly
                assert [r for r in results if not r.ok and r.kind != "backoff"], f"{where}: the fault was not seen"
            haystack[f"SourceResult.error {where}"] = "\n".join(r.error for r in results)
            haystack[f"client exceptions {where}"] = "\n".join(failures)
            haystack[f"sync and doctor output {where}"] = capsys.readouterr().out
    finally:
        runner.close()
    haystack |= on_disk(quick)
    assert any("FAIL portal answers" in text for where, text in haystack.items() if "doctor" in where)
    assert leaks(haystack, secrets) == []
    assert set(waited) == {"portal/http503", "portal/http429"}  # only busy portal reads waited: Retry-After: 1
    assert {s for waits in waited.values() for s in waits} == {1.0}


async def test_no_secret_under_any_fault_through_the_app(quick_warm: Config, demo,  # noqa: ANN001
                                                        portal_waits: list[float]) -> None:
    quick = quick_warm
    secrets = secrets_of(demo, quick)
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(f"{message.notification.title} {message.notification.message}")

    screens: dict[str, str | bytes] = {}

    async def show(app: BiosphereApp, pilot, mode: str, where: str) -> None:  # noqa: ANN001
        app.switch_mode(mode)
        await settle(app, pilot)
        screens[f"{mode} screen {where}"] = "\n".join(
            [app.title, app.sub_title] + [text_of(w) for w in app.screen.walk_children() if w.size.area])

    async def refresh(app: BiosphereApp, pilot) -> None:  # noqa: ANN001
        demo.clock.advance(PAST_ANY_BACKOFF)
        count = app.refreshes
        app.action_refresh_now()
        await settle(app, pilot, lambda: app.refreshes > count)

    app = BiosphereApp(quick, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=hook) as pilot:
        await settle(app, pilot)
        for n, (source, fault) in enumerate(MATRIX):
            demo.set_fault(source, fault)
            await refresh(app, pilot)
            # home shows every source's error; each other screen is seen under a few faults
            for mode in ("home", SCREENS[1 + n % (len(SCREENS) - 1)].mode):
                await show(app, pilot, mode, f"{source}/{fault}")
            demo.set_fault(source, "none")
            await refresh(app, pilot)  # recovered: the next fault is notified afresh
        # a launch and a delete, through the app's own action path
        spec = DeploymentRequest("secret-check", "180", GROUP, "ifb-genouest-genostack", "ifb.m4.xlarge")
        app.act("Launching secret-check", lambda a: a.launch(spec, str(uuid.uuid4())), resync={"portal.deployments"})
        await settle(app, pilot, lambda: any(d.name == "secret-check" for d in demo.world.deployments.values()))
        victim = next(d for d in demo.world.deployments.values()
                      if d.owner == "demo" and d.state is wire.DeploymentState.READY)
        app.act("Deleting 1 VM", lambda a: a.delete([victim.id]), resync={"portal.deployments", "site"})
        await settle(app, pilot, lambda: demo.world.deployments[victim.id].state is not wire.DeploymentState.READY)
        app.choose_group(GROUP)  # writes the state file
        for nav in SCREENS:
            await show(app, pilot, nav.mode, "after the actions")
    assert len(journal_file().read_text().splitlines()) == 2
    for message in ("refused the token", "refused the credentials", "no answer within", "cannot connect",
                    "error page", "not valid JSON", "unexpected reply"):
        assert any(message in n for n in notes), message
    assert len(screens) == 2 * len(MATRIX) + len(SCREENS)
    assert portal_waits and set(portal_waits) == {1.0}  # busy portal reads waited the demo's Retry-After: 1
    haystack = {"notifications": "\n".join(notes), **screens, **on_disk(quick)}
    assert {state_file().as_posix(), journal_file().as_posix()} <= {Path(k).as_posix() for k in haystack}
    assert leaks(haystack, secrets) == []


# -- crash reports: the locals of our frames hold no secret -------------------------------------------


def crash_report(exc: BaseException) -> str:
    """What Textual prints when the app dies of an unhandled exception (a rich traceback with locals)."""
    out = Console(width=200, file=io.StringIO(), record=True)
    out.print(Traceback.from_exception(type(exc), exc, exc.__traceback__, show_locals=True, locals_max_length=5,
                                       suppress=[rich]))
    return out.export_text()


def test_a_crash_during_an_action_shows_no_token_in_its_locals(demo_config: Config, demo, monkeypatch) -> None:  # noqa: ANN001
    async def bug(self: Actions, request: object) -> None:
        raise RuntimeError("a bug while sending")

    monkeypatch.setattr(Actions, "_note", bug)
    victim = next(d for d in demo.world.deployments.values()
                  if d.owner == "demo" and d.state is wire.DeploymentState.READY)
    with pytest.raises(RuntimeError) as caught:
        asyncio.run(Actions(demo_config).delete([victim.id]))
    report = crash_report(caught.value)
    assert "_with_portal" in report and "_send" in report and "self = " in report  # our frames, with locals
    assert leaks({"crash report": report}, secrets_of(demo, demo_config)) == []


def test_objects_holding_secrets_do_not_show_them(demo_config: Config, demo) -> None:  # noqa: ANN001
    assert demo_config.portal is not None
    portal = PortalClient(demo_config.portal.url, demo.token)
    site = SiteClient(SITE, demo_config.openstack.clouds_yaml)
    open_cache(demo_config.cache_path).db.close()
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    try:
        site.snapshot()  # signed in: the connection holds the password and a session token
        runner.refresh_blocking({"portal.catalogue", f"site.{SITE}"})
        objects = {"PortalClient": portal, "SiteClient": site, "TokenSource": demo_config.portal.token,
                   "Config": demo_config, "Sync": runner, "Actions": Actions(demo_config)}
        shown = {f"{how} of {name}": show(obj) for name, obj in objects.items()
                 for how, show in (("repr", repr), ("str", str), ("pretty_repr", pretty_repr))}
    finally:
        site.close()
        runner.close()
        asyncio.run(portal.aclose())
    assert leaks(shown, secrets_of(demo, demo_config)) == []


# -- TLS ----------------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no authority signed."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def https_portal(demo, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    """The demo portal behind a TLS relay with a self-signed certificate; yields its https URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    listener = socket.create_server(("127.0.0.1", 0))
    backend = demo.service("portal").port
    stop = threading.Event()

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve(raw: socket.socket) -> None:
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()  # the client refused the certificate
            return
        upstream = socket.create_connection(("127.0.0.1", backend))
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    path = demo.portal_url.split("/", 3)[3]
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/{path}"
    stop.set()
    thread.join()
    listener.close()


def over_tls(config: Config, url: str, verify: bool) -> Config:
    assert config.portal is not None
    return replace(config, portal=replace(config.portal, url=url, verify_tls=verify))


def test_tls_is_verified_unless_the_configuration_turns_it_off(demo_config: Config, demo, https_portal: str,  # noqa: ANN001
                                                              capsys) -> None:  # noqa: ANN001
    first = next(r for r in demo.world.requests.values()
                 if r.group_id == GROUP and r.state is wire.RequestState.PENDING)
    for verify in (True, False):
        config = over_tls(demo_config, https_portal, verify)
        open_cache(config.cache_path).db.close()
        runner = Sync(config, config.cache_path, now=demo.clock.now)
        try:
            results = {r.source: r for r in runner.refresh_blocking({"portal"}, force=True)}
        finally:
            runner.close()
        outcomes = asyncio.run(Actions(config).approve(GROUP, [first.id]))
        code = commands.doctor(replace(config, openstack=replace(config.openstack, sites=())))
        out = capsys.readouterr().out
        if verify:  # the self-signed certificate is refused: nothing reaches the portal
            assert not any(r.ok for r in results.values())
            assert all("TLS certificate could not be verified" in r.error for r in results.values())
            assert "TLS certificate could not be verified" in outcomes[0].message
            assert not outcomes[0].ok and demo.world.requests[first.id].state is wire.RequestState.PENDING
            assert "FAIL portal answers" in out and "portal TLS" not in out and code == 1
        else:
            assert all(r.ok for r in results.values())
            assert outcomes[0].ok and demo.world.requests[first.id].state is wire.RequestState.APPROVED
            assert "FAIL portal TLS: certificate verification is OFF (portal.verify_tls = false)" in out
            assert "ok   portal answers: signed in as demo" in out and code == 1


@pytest.mark.parametrize("verify", [False, True])
async def test_the_app_warns_for_as_long_as_tls_is_off(quick_warm: Config, demo, verify: bool, toasts) -> None:  # noqa: ANN001
    assert quick_warm.portal is not None
    config = over_tls(quick_warm, quick_warm.portal.url, verify)
    app = BiosphereApp(config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(120, 36), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        for key in ("3", "8", "1"):  # on every screen, after reloads
            await pilot.press(key)
            await settle(app, pilot)
            header = text_of(app.screen.query_one("HeaderTitle"))
            assert (TLS_OFF in header) is not verify and (TLS_OFF in app.sub_title) is not verify
        assert (TLS_OFF in toasts.text()) is not verify
