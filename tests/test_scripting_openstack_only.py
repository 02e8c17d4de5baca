"""The scripted commands in OpenStack-only mode (no portal): ``ls vms`` and ``ls sites`` read the
sites' Nova servers and limits, ``delete`` deletes servers through Nova, the rest need a portal."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from biosphere_tui.local.folders import journal_file


def live_servers(demo) -> dict[str, object]:  # noqa: ANN001
    """Every live Nova server of the demo sites, by ``site/id``."""
    return {f"{name}/{s.id}": s for name, site in demo.sites.items() for s in site.state.servers.values()
            if not s.deleted}


def active_with_unique_name(demo, nth: int = 0) -> tuple[str, object]:  # noqa: ANN001
    found = live_servers(demo)
    names = Counter(s.name for s in found.values())
    return sorted((k, s) for k, s in found.items() if s.status == "ACTIVE" and names[s.name] == 1)[nth]


def test_ls_vms_lists_the_nova_servers_of_every_site(os_cli, demo, capsys) -> None:  # noqa: ANN001
    assert os_cli("ls", "vms", "-f", "json") == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    servers = live_servers(demo)
    assert {r["id"] for r in rows} == set(servers) and err == ""
    assert {r["site"] for r in rows} == set(demo.sites)
    for row in rows:
        server = servers[row["id"]]
        assert (row["name"], row["status"], row["ip"]) == (server.name, server.status, server.ip)
    assert list(rows[0]) == ["id", "name", "image", "site", "flavor", "status", "vcpu", "ram_gb", "ram_mb", "ip", "created"]


def test_ls_sites_gives_each_sites_limits(os_cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    assert os_cli("ls", "sites", "-f", "json") == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(demo.sites)
    for name, site in demo.sites.items():
        cores, ram_mb, instances = site.state.usage()
        row = rows[name]
        assert row["answers"] is True and row["error"] is None
        assert (row["vcpu_used"], row["vcpu_max"]) == (cores, site.state.quota_cores)
        assert (row["ram_gb_used"], row["instances_used"], row["instances_max"]) == (
            ram_mb // 1024, instances, site.state.quota_instances)
    monkeypatch.setenv("COLUMNS", "80")  # on an 80-column terminal (piped, nothing is cut)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert os_cli("ls", "sites") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["SITE", "API", "VCPU"] and len(lines) == len(demo.sites) + 1
    assert all(len(line) <= 80 for line in lines)


def test_a_failing_site_is_said_and_still_listed(os_cli, demo, capsys) -> None:  # noqa: ANN001
    assert os_cli("ls", "sites") == 0
    capsys.readouterr()
    demo.set_fault("ifb-bird-stack", "down")
    assert os_cli("ls", "sites", "--refresh", "-f", "json") == 0
    out, err = capsys.readouterr()
    bird = next(r for r in json.loads(out) if r["id"] == "ifb-bird-stack")
    assert bird["answers"] is False and "cannot connect" in bird["error"] and bird["vcpu_max"] is not None
    assert len(err.splitlines()) == 1 and "ifb-bird-stack: cannot connect" in err


def test_delete_by_name_or_id_through_nova(os_cli, demo, capsys) -> None:  # noqa: ANN001
    (key, by_name), (other_key, by_id) = active_with_unique_name(demo), active_with_unique_name(demo, 1)
    assert os_cli("delete", by_name.name, by_id.id, "--yes") == 0
    out, err = capsys.readouterr()
    assert "Delete 2 servers?" in out and f"  {by_name.name} — {key.split('/')[0]} ({key})" in out
    assert f"deleted {by_name.name}" in out and f"deleted {by_id.name}" in out and err == ""
    assert by_name.deleted and by_id.deleted
    entry = json.loads(journal_file().read_text().splitlines()[-1])
    assert entry["action"] == "Deleting 2 servers" and entry["result"] == "ok"
    assert sorted(entry["requests"]) == sorted(f"DELETE {k.replace('/', ':/servers/')}" for k in (key, other_key))
    assert os_cli("ls", "vms", "-f", "json") == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert key not in rows or rows[key]["status"] == "DELETED"  # the cache was refreshed after the action


def test_delete_refusals_send_nothing(os_cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal
    _, server = active_with_unique_name(demo)
    assert os_cli("delete", server.name, "no-such-server", "--yes") == 3
    assert "no VM 'no-such-server'" in capsys.readouterr().err
    assert os_cli("delete", server.name) == 4
    assert "add --yes" in capsys.readouterr().err
    assert not server.deleted


@pytest.mark.parametrize("args", [
    ("ls", "apps"), ("ls", "requests"), ("ls", "usage"), ("ls", "idle"), ("ls", "vms", "--group", "marine-meta"),
    ("launch", "BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large"),
    ("approve", "amorel", "--yes"), ("reject", "amorel", "--reason", "no", "--yes"), ("advise", "BioPipes"),
    ("class", "BioPipes", "-n", "2", "-p", "tp-{n}", "-g", "ebame-2026", "--yes"),
])
def test_portal_commands_say_they_need_a_portal(os_cli, demo, capsys, args) -> None:  # noqa: ANN001
    before = set(live_servers(demo))
    assert os_cli(*args) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.endswith("needs the portal, and this configuration has none (OpenStack-only mode)\n")
    assert set(live_servers(demo)) == before


def test_demo_openstack_only_ls_vms_as_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "biosphere_tui", "--demo", "--openstack-only", "ls", "vms", "-f",
                           "csv"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows and all("/" in r["id"] and r["site"] for r in rows) and "Traceback" not in done.stderr
