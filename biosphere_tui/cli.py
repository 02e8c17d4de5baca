"""Command line: parse arguments and dispatch. The logic lives in the modules it calls."""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from biosphere_tui import __version__
from biosphere_tui.config import LANGS, Config, load, require_sources
from biosphere_tui.errors import ConfigError
from biosphere_tui.local import collector, interpreter, logs, memory
from biosphere_tui.local.folders import cache_dir, demo_dir, log_file
from biosphere_tui.local.private_files import private_dir
from biosphere_tui.scripting import COMMANDS as SCRIPTING
from biosphere_tui.scripting import EXIT_CODES
from biosphere_tui.scripting.completion import SHELLS

EXIT_FAILED, EXIT_USAGE = 1, 2


def _common(*, top: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the command; after it they only override."""
    common = argparse.ArgumentParser(add_help=False)
    default = (lambda value: value) if top else (lambda value: argparse.SUPPRESS)
    common.add_argument("--config", type=Path, metavar="FILE", default=default(None), help="configuration file (TOML)")
    common.add_argument("--demo", action="store_true", default=default(False),
                        help="run against the embedded demo cloud on 127.0.0.1")
    common.add_argument("--demo-scale", type=_between(0.1, 1000), default=default(1.0), metavar="N",
                        help="demo world size factor (default 1)")
    common.add_argument("--demo-seed", type=int, default=default(42), metavar="N", help="demo world seed (default 42)")
    common.add_argument("--openstack-only", action="store_true", default=default(False),
                        help="with --demo or demo-server: a configuration without the portal (OpenStack-only mode)")
    common.add_argument("--read-only", action="store_true", default=default(False),
                        help="nothing can be changed: launch, delete, approve... are refused")
    common.add_argument("--privacy", action="store_true", default=default(False),
                        help="mask IP and e-mail addresses on screen (for screencasts)")
    common.add_argument("--lang", choices=LANGS, default=default(None), help="interface language (default: from the locale)")
    common.add_argument("--debug", action="store_true", default=default(False),
                        help="write details to the log (its path: biosphere-tui doctor); never secrets")
    return common


def forwarded(args: argparse.Namespace) -> list[str]:
    """The common options as given, for a child process (``serve``)."""
    options = ["--config", str(args.config.resolve())] if args.config else []
    options += ["--demo", "--demo-scale", f"{args.demo_scale:g}", "--demo-seed", str(args.demo_seed)] if args.demo else []
    flags = (("--openstack-only", args.openstack_only), ("--read-only", args.read_only), ("--privacy", args.privacy))
    options += [flag for flag, on in flags if on]
    return options + (["--lang", args.lang] if args.lang else [])


class _NotTheApp(Exception):
    """The command line names a command, asks for help, or is wrong: for the whole parser to read."""


class _AppParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheApp(message)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, as ``build_parser`` reads it. Opening the app (options alone: the common case)
    is read without making the commands' parsers (~4 ms at each start, before the first frame); any
    other line (a command, ``--help``, ``--version``, a mistake) by the whole parser, which says the same
    as this one for options alone (it has no other option than ``--help`` and ``--version``)."""
    app = _AppParser(prog="biosphere-tui", parents=[_common(top=True)], add_help=False)
    app.set_defaults(command=None)
    try:
        return app.parse_args(argv)
    except _NotTheApp:
        return build_parser().parse_args(argv)


def build_parser() -> argparse.ArgumentParser:
    common = _common(top=False)
    parser = argparse.ArgumentParser(
        prog="biosphere-tui", parents=[_common(top=True)],
        description="Terminal dashboard for the IFB Biosphère cloud. Without a command, opens the app.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("sync", parents=[common], help="refresh the cache once, headless; exit 1 if a source failed")
    commands.add_parser("doctor", parents=[common], help="show the configuration found and whether each source answers")
    server = commands.add_parser("demo-server", parents=[common], help="run the demo cloud in the foreground")
    server.add_argument("--write-config", type=Path, metavar="DIR", required=True,
                        help="write clouds.yaml, token and config.toml for the demo cloud into DIR")
    server.add_argument("--speed", type=_between(0, 100000), default=1.0, help="demo clock speed (default 1 = real time)")
    server.add_argument("--latency", type=_between(0, 60000, " ms"), default=0.0, metavar="MS",
                        help="delay added to every reply, in milliseconds, as over a wide-area network")
    web = commands.add_parser("serve", parents=[common], help="open the app in a browser (textual-serve, 127.0.0.1 only)")
    web.add_argument("--port", type=_port, default=8000, help="port on 127.0.0.1 (default 8000)")
    web.add_argument("--max-sessions", type=_positive, default=3, metavar="N",
                     help="browser tabs running the app at once (default 3); more are refused")
    token = commands.add_parser("token", parents=[common], help="keep the portal token (headless: in a 0600 file)")
    token_what = token.add_subparsers(dest="token_command", metavar="set", required=True)
    token_set = token_what.add_parser("set", help="read the token (not echoed, or from stdin) and keep it")
    where = token_set.add_mutually_exclusive_group()
    where.add_argument("--file", type=Path, metavar="PATH",
                       help="in this file, mode 0600 (default: token next to config.toml)")
    where.add_argument("--keyring", metavar="ACCOUNT", help="in the system keyring, under this account")
    _scripting_commands(commands, common)
    completion = commands.add_parser("completion", help="print a completion script for bash, zsh or fish "
                                                        "(see README: Shell completion)")
    completion.add_argument("shell", choices=SHELLS)
    return parser


def _between(low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` to ``high`` (NaN, infinities and the rest refused)."""
    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"{text!r} is not a number from {low:g} to {high:g}{unit}")
        return value

    return number


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _scripting_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``ls``, ``launch``, ``delete``, ``approve``, ``reject``, ``advise``, ``class``: see ``scripting/``."""
    def add(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], help=help, description=help, epilog=EXIT_CODES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    group_help = "the group (id or name; default: the app's current group)"
    ls = add("ls", "list VMs, idle VMs, appliances, sites, pending membership requests or the group's usage, "
                   "from the cache")
    ls.add_argument("what", choices=("vms", "idle", "apps", "sites", "requests", "usage"))
    ls.add_argument("--group", "-g", metavar="G", help=group_help)
    ls.add_argument("-f", "--format", choices=("table", "json", "csv"), default="table", help="default: table")
    ls.add_argument("--refresh", action="store_true", help="refresh from the cloud first")
    ls.add_argument("--all", action="store_true", help="vms, idle: every VM of the group (its admins), not only yours")
    ls.add_argument("--finished", action="store_true", help="vms: with Done and Cancelled deployments")
    ls.add_argument("--search", metavar="TEXT", help="apps: name, description, tool or topic containing TEXT")
    launch = add("launch", "launch an appliance (checked like the app's launch form)")
    launch.add_argument("appliance", metavar="APPLIANCE", help="catalogue id or name")
    launch.add_argument("--site", required=True, metavar="S", help="cloud id or platform name")
    launch.add_argument("--flavour", "--flavor", required=True, metavar="F", help="e.g. ifb.m4.large")
    launch.add_argument("--group", "-g", metavar="G", help=group_help)
    launch.add_argument("--name", metavar="N", help="the VM's name (default: from the appliance, one no live VM has)")
    launch.add_argument("--allow-duplicate", action="store_true",
                        help="launch even if a live VM has that name (delete NAME could not tell them apart)")
    launch.add_argument("--wait", action="store_true", help="follow it until Ready, then print its access")
    launch.add_argument("--timeout", type=_between(0.1, 10080, " min"), default=60, metavar="MIN",
                        help="with --wait (default 60)")
    launch.add_argument("--show-secrets", action="store_true", help="with --wait: print passwords and tokens")
    delete = add("delete", "delete VMs (by name or id; Nova servers without a portal), after a confirmation")
    delete.add_argument("targets", nargs="+", metavar="NAME_OR_ID")
    for verb in ("approve", "reject"):
        decide = add(verb, f"{verb} pending membership requests (id, username, e-mail or name), after a confirmation")
        decide.add_argument("requests", nargs="+", metavar="REQUEST")
        decide.add_argument("--group", "-g", metavar="G",
                            help="only this group's requests (default: every group you lead)")
        if verb == "reject":
            decide.add_argument("--reason", required=True, metavar="R", help="sent to the person")
    advise = add("advise", "which site and flavour fit an appliance now, and the one recommended")
    advise.add_argument("appliance", metavar="APPLIANCE", help="catalogue id or name")
    advise.add_argument("--group", "-g", metavar="G", help=group_help)
    advise.add_argument("-f", "--format", choices=("table", "json"), default="table", help="default: table")
    training = add("class", "launch N identical VMs for a training, follow them, export them to CSV")
    training.add_argument("appliance", metavar="APPLIANCE", help="catalogue id or name")
    training.add_argument("--count", "-n", type=int, required=True, metavar="N", help="how many VMs")
    training.add_argument("--pattern", "-p", required=True, metavar="P", help="their names, e.g. 'rnaseq-{n:02}'")
    training.add_argument("--group", "-g", required=True, metavar="G", help="the (training) group whose quota they use")
    training.add_argument("--site", "-s", default="", metavar="S",
                          help="only this site (default: the advisor's choice)")
    training.add_argument("--flavour", "--flavor", dest="flavor", default="", metavar="F",
                          help="flavour (default: the least wasteful that fits them all)")
    training.add_argument("--csv", type=Path, metavar="FILE", help="write names, addresses and credentials here (0600)")
    training.add_argument("--wait", action="store_true", help="follow the VMs until each is Ready or failed")
    training.add_argument("--timeout", type=_between(0.1, 10080, " min"), default=30.0, metavar="MIN",
                          help="with --wait (default 30)")
    for parser in (delete, *(commands.choices[v] for v in ("approve", "reject", "class"))):
        parser.add_argument("--yes", "-y", action="store_true", help="do not ask (needed without a terminal)")


def main(argv: list[str] | None = None) -> int:
    memory.share_heaps()  # before any thread (the app's, a refresh's): see local/memory.py
    args = parse_args(argv)
    logs.setup(log_file(), logging.DEBUG if args.debug else logging.INFO)
    try:
        if args.command == "token":
            from biosphere_tui.scripting.commands import token_set

            return token_set(args.file, args.keyring)
        if args.command == "demo-server":
            return _demo_server(args)
        if args.command == "completion":
            from biosphere_tui.scripting.completion import script

            print(script(build_parser(), args.shell), end="")
            return 0
        if args.command == "serve":
            from biosphere_tui.i18n import set_language
            from biosphere_tui.serve import ServeError, serve

            # a bad configuration is said here, not in every browser tab
            set_language(args.lang or load(args.config).lang)
            try:
                return serve(forwarded(args), args.port, max_sessions=args.max_sessions)
            except (ServeError, OSError) as exc:
                print(f"biosphere-tui: cannot serve: {exc}", file=sys.stderr)
                return EXIT_FAILED
        with _configuration(args) as config:
            if args.command in ("sync", "doctor"):
                from biosphere_tui.scripting import commands
                from biosphere_tui.scripting.streams import printing

                return printing(config.privacy, lambda: getattr(commands, args.command)(config))
            if args.command in SCRIPTING:
                from biosphere_tui.scripting.run import run

                return run(config, args, fresh_world=args.demo)
            return _run_app(config, demo=args.demo)
    except ConfigError as exc:
        print(f"biosphere-tui: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


@contextmanager
def _configuration(args: argparse.Namespace) -> Iterator[Config]:
    """The user's configuration, or the demo cloud's while it runs in this process; the
    mode options (``--read-only``, ``--privacy``, ``--lang``) override the file's."""
    with _loaded(args) as config:
        yield replace(config, read_only=args.read_only or config.read_only, privacy=args.privacy or config.privacy,
                      lang=args.lang or config.lang)


@contextmanager
def _loaded(args: argparse.Namespace) -> Iterator[Config]:
    if not args.demo:
        yield load(args.config)
        return
    _loopback_without_proxy()
    from biosphere_tui.demo.cloud import DemoCloud

    with DemoCloud(seed=args.demo_seed, scale=args.demo_scale) as cloud:
        private_dir(demo_dir(), own=True)  # the app's own folder: 0700 whatever it was
        config = load(cloud.write_config(demo_dir(), portal=not args.openstack_only))
        mode = "-openstack" if args.openstack_only else ""
        yield replace(config, cache_path=cache_dir() / f"demo-{args.demo_seed}-{args.demo_scale:g}{mode}.sqlite",
                      refresh_interval=10.0)


def _run_app(config: Config, *, demo: bool) -> int:
    collector.pause()  # until the first frame (see local/collector.py)
    try:
        with interpreter.responsive():  # keys are not kept waiting by a refresh's threads
            return _open_app(config, demo=demo)
    finally:
        collector.release()  # the app never showed a frame (no terminal, no cache): not left paused


def _open_app(config: Config, *, demo: bool) -> int:
    from biosphere_tui.app import BiosphereApp
    from biosphere_tui.cache.db import CacheUnavailable

    require_sources(config)
    if not _has_terminal():
        print("biosphere-tui: the app needs a terminal (none is attached). Without one, use "
              "`biosphere-tui sync` and `biosphere-tui ls ...` (see --help).", file=sys.stderr)
        return EXIT_USAGE
    try:
        app = BiosphereApp(config, label="demo cloud" if demo else "")
    except CacheUnavailable as exc:
        print(f"biosphere-tui: {exc}", file=sys.stderr)
        return EXIT_FAILED
    app.run()
    return app.return_code or 0


def _has_terminal() -> bool:
    """The app draws on stderr and reads keys from stdin; textual-serve's web driver needs neither."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.__stderr__))


def _demo_server(args: argparse.Namespace) -> int:
    _loopback_without_proxy()
    from biosphere_tui.demo.clock import DemoClock
    from biosphere_tui.demo.cloud import DemoCloud
    from biosphere_tui.sync import utcnow

    with DemoCloud(seed=args.demo_seed, scale=args.demo_scale, clock=DemoClock(utcnow(), speed=args.speed),
                   latency=args.latency / 1000) as cloud:
        path = cloud.write_config(args.write_config, portal=not args.openstack_only)
        print(f"Demo cloud running: portal {cloud.portal_url}, control {cloud.control_url}, {len(cloud.sites)} sites.")
        print(f"Configuration written to {path}")
        print(f"In another terminal: biosphere-tui --config {path}")
        print("Press Ctrl+C to stop.", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _loopback_without_proxy() -> None:
    """A proxy from the environment would swallow requests to 127.0.0.1 (see engineering notes)."""
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name, ""), "127.0.0.1", "localhost"]))
