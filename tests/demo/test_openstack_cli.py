"""The real ``openstack`` CLI (python-openstackclient) against every demo site.

The demo's sites must answer like real OpenStack, not just like our own client expects: the
CLI discovers Keystone from its catalog, negotiates Nova's microversion, resolves names
through Glance and Neutron. One CLI process per site reads its commands from stdin (cliff's
interactive mode), so a site costs one start of the CLI (~1.3 s), not one per command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.openstack_site import OpenStackSite

OPENSTACK = Path(sys.executable).parent / "openstack"
pytestmark = pytest.mark.skipif(not OPENSTACK.exists(), reason="python-openstackclient is not installed "
                                                               "(it is in the 'test' extras: ./dev test)")
FULL_SITE = "ifb-core-cloud"
CAPPED = {"ifb-genouest-genostack": "2.90", "ifb-bird-stack": "2.95"}  # as Yoga and Antelope answer


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoCloud, Path]]:
    demo = DemoCloud(seed=42, max_microversions=CAPPED)
    demo.start()
    directory = tmp_path_factory.mktemp("cli")
    demo.write_config(directory)
    yield demo, directory / "clouds.yaml"
    demo.stop()


def run_batches(clouds_yaml: Path, batches: dict[str, list[str]]) -> dict[str, tuple[list[Any], str]]:
    """Per site: the JSON documents its commands printed, in order, and its stderr.

    The CLI processes of the sites run side by side."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env |= {"OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "NO_PROXY": "127.0.0.1,localhost"}
    procs = {site: subprocess.Popen([str(OPENSTACK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env | {"OS_CLOUD": site})
             for site in batches}
    results = {}
    for site, proc in procs.items():
        # (cmd2's interactive loop exits 1 at the end of stdin: what counts is each command's output)
        out, err = proc.communicate("\n".join(batches[site]) + "\n", timeout=120)
        results[site] = (_json_documents(out), err)
    return results


def _json_documents(text: str) -> list[Any]:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def _live_ids(site: OpenStackSite) -> set[str]:
    with site.state.lock:
        return {s.id for s in site.state.servers.values() if not s.deleted}


def test_the_openstack_cli_works_on_every_demo_site(cloud: tuple[DemoCloud, Path]) -> None:
    demo, clouds_yaml = cloud
    full = demo.sites[FULL_SITE]
    flavor = min(full.state.flavors.values(), key=lambda f: f.vcpus).name
    image = min(full.state.images)  # by id: the interactive mode splits quoted names with spaces
    create = f"server create --flavor {flavor} --image {image} -f json"
    batches = {site: ["server list -f json", "flavor list -f json"] for site in demo.sites}
    batches[FULL_SITE] += [
        "image list -f json",
        "limits show --absolute -f json",
        f"{create} --network biosphere-net cli-net",
        f"{create} --nic none cli-none",
        "server show cli-net -f json",
        "server delete cli-net cli-none",
        "server list -f json",
    ]
    before = {site_id: _live_ids(site) for site_id, site in demo.sites.items()}
    results = run_batches(clouds_yaml, batches)

    for site_id, site in demo.sites.items():
        docs, err = results[site_id]
        servers, flavors = docs[0], docs[1]
        assert {s["ID"] for s in servers} == before[site_id], site_id
        assert {f["Name"] for f in flavors} == {f.name for f in site.state.flavors.values()}, site_id
        if site_id != FULL_SITE:
            assert len(docs) == 2 and err == "", (site_id, err)

    docs, err = results[FULL_SITE]
    state = full.state
    images, limits, net_vm, none_vm, shown, after = docs[2:]
    assert {i["Name"] for i in images} == {i.name for i in state.images.values()}
    absolute = {row["Name"]: row["Value"] for row in limits}
    assert absolute["max_total_cores"] == state.quota_cores
    assert absolute["max_total_instances"] == state.quota_instances
    assert absolute["total_instances_used"] == len(before[FULL_SITE])
    created = {vm["name"]: state.servers[vm["id"]] for vm in (net_vm, none_vm)}
    assert created["cli-net"].network == "biosphere-net" and created["cli-none"].network is None
    assert all(server.deleted for server in created.values())  # `server delete` reached Nova
    assert shown["id"] == net_vm["id"] and shown["flavor"]["original_name"] == flavor
    assert {s["ID"] for s in after} == before[FULL_SITE] and err == ""
    assert all(not site.service.failures for site in demo.sites.values())
