"""Deliberate breakages, each of which some test must catch (stdlib only).

    .venv/bin/python bench/mutations.py            # every mutation
    .venv/bin/python bench/mutations.py quick wal  # those whose name contains one of these words
    .venv/bin/python bench/mutations.py --list
    .venv/bin/python bench/mutations.py --why wal  # and under each verdict, the failure that caught it

The repository (``biosphere_tui/``, ``tests/``, ``docs/``, ``pyproject.toml`` …, not ``.venv`` nor
``.git``) is copied once into a temporary folder; the tests named by the mutations are first run
there unchanged (they must pass, or every mutation would look caught); then each mutation replaces
its exact old text by its new text in the copy, runs its tests with pytest, and puts the text back.
The working tree is never written. A mutation whose old text is no longer found exactly once (the
code moved) is reported "stale mutation": update it, never drop it silently.

Prints ``mutation | caught/MISSED | seconds``; exit status 0 only if every mutation was caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORED = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache")
TIMEOUT = 900  # seconds for one pytest run: a mutation that makes a test hang is reported, not waited for


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to the repository
    old: str  # exact text, found exactly once in the file
    new: str
    tests: tuple[str, ...]  # pytest node ids, at least one of which must fail


MUTATIONS = (
    # -- the seven breakages no test caught (issue 13) --------------------------------------------------
    Mutation("delete: owner/admin check removed", "biosphere_tui/rules/permissions.py",
             "    if (me is not None and owner == me) or group in admin_of:\n        return None",
             "    if True:\n        return None",
             ("tests/ui/test_roles.py::test_a_member_cannot_delete_someone_elses_vm_still_listed",
              "tests/test_scripting_act.py::test_a_member_may_not_delete_another_members_vm")),
    Mutation("confirm dialog: Yes has the focus", "biosphere_tui/widgets/confirm.py",
             'self.query_one("#no", Button).focus()', 'self.query_one("#yes", Button).focus()',
             ("tests/ui/test_myvm.py::test_delete_answered_with_enter_keeps_the_vm",)),
    Mutation("freshness bar: never stale", "biosphere_tui/widgets/freshness.py",
             "self._rows, self._stale_after = rows, stale_after", 'self._rows, self._stale_after = rows, float("inf")',
             ("tests/ui/test_freshness_bar.py::test_with_a_site_down_the_others_still_turn_stale",)),
    Mutation("cache: quick_check skipped", "biosphere_tui/cache/db.py",
             'row = conn.execute("PRAGMA quick_check").fetchone()', 'row = ("ok",)',
             ("tests/cache/test_cache_faults.py::test_a_damaged_data_page_is_set_aside_and_a_fresh_cache_works",)),
    Mutation("cache: -wal/-shm left behind", "biosphere_tui/cache/db.py",
             'for suffix in ("-wal", "-shm"):', "for suffix in ():",
             ("tests/cache/test_cache_faults.py::test_a_damaged_cache_takes_its_wal_and_shm_aside_with_it",)),
    Mutation("action runner: read-only check removed", "biosphere_tui/action_runner.py",
             "    check_writable(config)\n", "    pass\n",
             ("tests/ui/test_openstack_only_ui.py::test_read_only_still_refuses_a_change_the_screens_forgot_to_list",
              "tests/test_scripting_modes.py::test_read_only_is_refused_by_the_action_runner_too")),
    Mutation("launch button: goes round the read-only refusal", "biosphere_tui/screens/base.py",
             'await self.run_action("launch")', "self.action_launch()",
             ("tests/ui/test_modes.py::test_read_only_launch_from_the_forms_button_attempts_nothing",)),
    Mutation("class launch: goes ahead on n", "biosphere_tui/scripting/session.py",
             '    if sys.stdin.readline().strip().lower() not in ("y", "yes"):\n'
             '        raise ScriptError(Exit.NOT_CONFIRMED, "not confirmed: nothing was done")',
             "    sys.stdin.readline()",
             ("tests/test_cli_launching.py::test_class_answered_n_at_the_terminal_launches_nothing",)),
    # -- the other themes ---------------------------------------------------------------------------
    Mutation("actions: read-only gate removed", "biosphere_tui/actions.py",
             "    if config.read_only:\n        raise ReadOnlyRefusal()",
             "    if False:\n        raise ReadOnlyRefusal()",
             ("tests/ui/test_modes.py::test_read_only_actions_send_nothing",
              "tests/test_actions_read_only.py::test_a_read_only_nova_delete_sends_nothing")),
    Mutation("app keys: read-only gate removed", "biosphere_tui/app.py",
             'if self.read_only and isinstance(action, str) and action.partition("(")[0].rpartition(".")[2] in CHANGING:',
             "if False:",
             ("tests/ui/test_modes.py::test_read_only_refuses_delete_approve_launch_and_says_why",)),
    Mutation("CLI: read-only gate removed", "biosphere_tui/scripting/run.py",
             "if config.read_only and args.command in COMMANDS:", "if False:",
             ("tests/test_scripting_modes.py::test_read_only_refuses_every_change_before_sending_anything",)),
    Mutation("ssh: hostile user or host accepted", "biosphere_tui/rules/ssh.py",
             "if not USER.fullmatch(user) or not plain_host(host):", "if False:",
             ("tests/hostile/test_ssh_command.py::test_a_vm_with_a_hostile_user_link_or_address_has_no_command",
              "tests/hostile/test_ssh_command.py::test_myvm_describes_and_copies_no_hostile_command")),
    Mutation("privacy: addresses not masked", "biosphere_tui/rules/privacy.py",
             "return ADDRESS.sub(lambda m: MASK * len(m.group()), text)", "return text",
             ("tests/ui/test_modes.py::test_mask_keeps_width_and_the_rest",
              "tests/ui/test_modes.py::test_privacy_mode_masks_every_address_on_every_screen")),
    Mutation("describe: secret shown unasked", "biosphere_tui/widgets/vm_detail.py",
             'p.value or "" if reveal or not p.secret else', 'p.value or "" if True else',
             ("tests/ui/test_myvm.py::test_describe_masks_secrets_and_c_copies_the_ssh_command",)),
    Mutation("sanitiser: server text left raw", "biosphere_tui/safe_text.py",
             "    if not _UNSAFE.search(value):\n        return value", "    if True:\n        return value",
             ("tests/hostile/test_safe_text.py::test_controls_become_visible_pictures_and_bidi_a_replacement",
              "tests/hostile/test_safe_text.py::test_parsers_clean_every_text_they_read")),
    Mutation("portal: size cap ignored", "biosphere_tui/api/portal.py",
             "if size > self._max_bytes:", "if size > self._max_bytes * 1024:",
             ("tests/hostile/test_bounded_replies.py::test_a_portal_reply_over_the_cap_is_not_read",)),
    Mutation("nova: size cap ignored", "biosphere_tui/api/openstack_transport.py",
             "if size > self._limit:", "if size > self._limit * 1024:",
             ("tests/hostile/test_bounded_replies.py::test_a_site_reply_over_the_cap_is_not_read",)),
    Mutation("portal: redirect followed", "biosphere_tui/api/portal.py",
             "if response.is_redirect:  # never followed", "if False:  # never followed",
             ("tests/hostile/test_bounded_replies.py::test_a_portal_redirect_is_not_followed",)),
    Mutation("nova: redirect elsewhere followed", "biosphere_tui/api/openstack_transport.py",
             "if response.is_redirect and not limits.same_origin(", "if False and not limits.same_origin(",
             ("tests/hostile/test_bounded_replies.py::test_a_nova_redirect_to_another_port_gets_no_token",)),
    Mutation("CSV: only = quoted", "biosphere_tui/rules/export.py",
             'FORMULA_STARTS = ("=", "+", "-", "@", "\\t", "\\r")', 'FORMULA_STARTS = ("=",)',
             ("tests/hostile/test_terminal_output.py::test_csv_cells_never_start_a_formula",)),
    Mutation("freshness: threshold 4 refreshes", "biosphere_tui/rules/freshness.py",
             "STALE_AFTER_REFRESHES = 3", "STALE_AFTER_REFRESHES = 4",
             ("tests/ui/test_freshness_bar.py::test_the_age_counts_up_then_the_data_is_said_stale",)),
    Mutation("mask: a secret shown as it is", "biosphere_tui/rules/privacy.py",
             'return SECRET_MASK if secret and not reveal else value or ""', 'return value or ""',
             ("tests/ui/test_myvm.py::test_the_screen_and_the_command_line_show_one_secret_mask",)),
    Mutation("layers: a screen imports another", "biosphere_tui/screens/catalogue.py",
             "from __future__ import annotations\n",
             "from __future__ import annotations\n\nfrom biosphere_tui.screens.launch import LaunchScreen  # noqa: F401\n",
             ("tests/test_layers.py",)),
    Mutation("freshness: stale called fresh", "biosphere_tui/rules/freshness.py",
             "return State.STALE if outdated(row.last_success, now, limit) else State.FRESH", "return State.FRESH",
             ("tests/test_freshness_policy.py::test_the_summary_never_calls_stale_data_fresh",)),
)


def pytest(copy: Path, tests: tuple[str, ...]) -> tuple[int, float, str]:
    """Run these tests in the copy: (exit code, seconds, output); code -1 when it ran out of time."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")])),
           "PYTHONDONTWRITEBYTECODE": "1"}  # a mutated file of the same size and second must not reuse a .pyc
    command = [sys.executable, "-m", "pytest", "-n", "0", "-x", "-q", "--tb=line", "-p", "no:cacheprovider", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return -1, time.monotonic() - start, ""
    return done.returncode, time.monotonic() - start, done.stdout + done.stderr


def imports_the_copy(copy: Path) -> bool:
    """The package the tests import is the copy's, not the installed (editable) one."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    found = subprocess.run([sys.executable, "-c", "import biosphere_tui; print(biosphere_tui.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True).stdout.strip()
    return Path(found).is_relative_to(copy)


def verdict(mutation: Mutation, copy: Path) -> tuple[str, float, str]:
    """Apply the mutation in the copy, run its tests, put the file back: (verdict, seconds, why)."""
    path = copy / mutation.file
    try:
        original = path.read_text()
    except FileNotFoundError:
        return "stale mutation (file gone)", 0.0, ""
    found = original.count(mutation.old)
    if found != 1:
        return "stale mutation" if found == 0 else f"stale mutation (old text found {found} times)", 0.0, ""
    path.write_text(original.replace(mutation.old, mutation.new))
    try:
        code, seconds, output = pytest(copy, mutation.tests)
    finally:
        path.write_text(original)
    said = {1: "caught", -1: "TIMEOUT"}.get(code, "MISSED" if code == 0 else f"ERROR (pytest exit {code})")
    return said, seconds, "\n".join(line for line in output.splitlines() if line.startswith(("/", "E ")))


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # each verdict as it comes, even into a file
    why = "--why" in argv
    argv = [a for a in argv if a != "--why"]
    if "--list" in argv:
        for m in MUTATIONS:
            print(f"{m.name}\n    {m.file}\n    " + "\n    ".join(m.tests))
        return 0
    chosen = [m for m in MUTATIONS if not argv or any(word.lower() in m.name.lower() for word in argv)]
    if not chosen:
        print(f"no mutation matches {' '.join(argv)} (see --list)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="biosphere-mutations-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORED, symlinks=True)
        if not imports_the_copy(copy):
            print("the tests would not import the copied package: nothing can be measured", file=sys.stderr)
            return 2
        tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
        code, seconds, output = pytest(copy, tests)
        if code != 0:
            print(output[-3000:])
            print(f"the {len(tests)} tests do not pass on the unchanged code (pytest exit {code}, {seconds:.0f} s): "
                  "every mutation would look caught", file=sys.stderr)
            return 1
        print(f"baseline: {len(tests)} tests pass unchanged ({seconds:.0f} s)\n")
        width = max(len(m.name) for m in chosen)
        print(f"{'mutation':<{width}} | verdict | seconds")
        print(f"{'-' * width}-|---------|--------")
        results = []
        for m in chosen:
            said, seconds, failures = verdict(m, copy)
            results.append(said)
            print(f"{m.name:<{width}} | {said} | {seconds:.1f}")
            if why and failures:
                print("    " + failures.replace("\n", "\n    "))
    missed = sum(r != "caught" for r in results)
    print(f"\n{len(results) - missed}/{len(results)} caught" + (f", {missed} not" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
