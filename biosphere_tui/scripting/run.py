"""Run one scripted command: its exit code, its refusal or failure in one line on stderr."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from biosphere_tui.config import Config
from biosphere_tui.rules.readonly import COMMANDS
from biosphere_tui.scripting import Exit, ScriptError
from biosphere_tui.scripting.session import Session, warn
from biosphere_tui.scripting.streams import printing

log = logging.getLogger(__name__)
PORTAL_ONLY = ("launch", "approve", "reject", "advise", "class")  # OpenStack-only mode has ls vms|sites, delete


def _command(name: str) -> Callable[[Session, argparse.Namespace], int]:
    from biosphere_tui.scripting import act, advise, class_launch, ls

    return {"ls": ls.ls, "launch": act.launch, "delete": act.delete, "approve": act.approve,
            "reject": act.reject, "advise": advise.advise, "class": class_launch.launch_class}[name]


def run(config: Config, args: argparse.Namespace, *, fresh_world: bool = False) -> int:
    """``fresh_world``: the demo cloud was just started, so the cache of an earlier one is refreshed.
    No control character from data reaches the terminal; in privacy mode every address the
    command prints is masked, as on the app's screens."""
    return printing(config.privacy, lambda: _run(config, args, fresh_world))


def _run(config: Config, args: argparse.Namespace, fresh_world: bool) -> int:
    try:
        if config.read_only and args.command in COMMANDS:  # before any confirmation
            raise ScriptError(Exit.FAILED, f"read-only mode: {args.command} would change the cloud; nothing was done")
        session = Session(config)
        try:
            if args.command in PORTAL_ONLY:
                session.needs_portal(args.command)
            if fresh_world:
                session.sync({"portal", "site"})
            return int(_command(args.command)(session, args))
        finally:
            session.close()
    except BrokenPipeError:
        raise  # ``printing`` ends the command quietly
    except ScriptError as exc:
        warn(exc.message)
        return int(exc.code)
    except Exception as exc:
        log.exception("%s failed", args.command)
        warn(f"{args.command} failed unexpectedly ({type(exc).__name__}); the log has the details")
        return int(Exit.FAILED)
