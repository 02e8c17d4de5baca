"""The mode options on the command line and in the configuration, and what ``serve`` forwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from biosphere_tui import cli
from biosphere_tui.config import load
from biosphere_tui.errors import ConfigError
from biosphere_tui.serve import child_command


def test_serve_forwards_the_common_options_given_before_or_after_it(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("")
    args = cli.build_parser().parse_args(["--demo", "--demo-scale", "10", "serve", "--port", "9000", "--read-only",
                                          "--privacy", "--lang", "fr", "--config", str(cfg)])
    assert args.command == "serve" and args.port == 9000
    assert cli.forwarded(args) == ["--config", str(cfg.resolve()), "--demo", "--demo-scale", "10", "--demo-seed", "42",
                                   "--read-only", "--privacy", "--lang", "fr"]
    assert child_command(["--demo", "--config", "/a b/c.toml"]).endswith("-m biosphere_tui --demo --config '/a b/c.toml'")


def test_app_section_of_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    portal = "[portal]\nurl = 'https://portal.example/api/v1'\n"  # a configuration needs a portal or clouds
    path.write_text(portal + '[app]\nread_only = true\nprivacy = true\nlang = "fr"\n')
    config = load(path)
    assert (config.read_only, config.privacy, config.lang) == (True, True, "fr")
    path.write_text(portal + '[app]\nlang = "de"\n')
    with pytest.raises(ConfigError, match="app.lang must be one of en, fr"):
        load(path)
    path.write_text(portal + '[app]\nread_only = "yes"\n')
    with pytest.raises(ConfigError, match="app.read_only must be true or false"):
        load(path)


@pytest.mark.parametrize(("argv", "said"), [(["--lang", "de", "sync"], "invalid choice: 'de'"),
                                            (["serve", "--port", "99999"], "'99999' is not a port number")])
def test_bad_options_are_one_line(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    assert said in capsys.readouterr().err


def test_serve_reports_a_bad_configuration_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--config", str(tmp_path / "missing.toml")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such configuration file" in err


def test_opening_the_app_reads_its_options_without_making_the_commands_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Making every command's parser takes ~4 ms of each start, before the first frame."""
    line = ["--config", "c.toml", "--lang", "fr", "--read-only", "--privacy", "--demo", "--demo-scale", "3", "--debug"]
    whole = cli.build_parser().parse_args(line)

    def unwanted() -> None:
        raise AssertionError("the commands' parsers were made to open the app")

    monkeypatch.setattr(cli, "build_parser", unwanted)
    assert cli.parse_args(line) == whole
    assert cli.parse_args([]).command is None


@pytest.mark.parametrize("line", [
    [], ["--config", "sync"], ["--lang", "en", "sync"], ["ls", "vms", "--lang", "fr"], ["--demo-scale", "x"],
    ["--lang", "xx"], ["stray"], ["--conf", "c.toml"], ["--de"], ["-h"], ["--help"], ["--version"], ["--vers"],
    ["token", "set", "--file", "t"],
])
def test_every_command_line_reads_as_the_whole_parser_reads_it(line: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The same arguments, or the same exit, help, version or error message."""
    def read(parse: Callable[[], object]) -> object:
        try:
            return parse()
        except SystemExit as exc:
            out = capsys.readouterr()
            return exc.code, out.out, out.err

    assert read(lambda: cli.parse_args(line)) == read(lambda: cli.build_parser().parse_args(line))
