"""Provision the real-OpenStack test cloud through its own APIs (run in .venv-openstack).

Phases, each idempotent: ``identity`` (service users, catalog, the test project and its
users), ``compute`` (wait until the fake compute host reports), ``cloud`` (flavours, an
image, a network, and clouds.yaml). The project keeps Nova's default quotas.
"""

import json
import os
import sys
import time
from pathlib import Path

import openstack

PROJECT = "realos"
USERS = {"realos-user": "member", "realos-reader": "reader"}
FLAVOURS = {  # name: (vCPU, MB RAM, GB disk); m1.impossible's disk is larger than the fake host (within
    # the quotas, which do not count disk): its servers end in ERROR, "No valid host was found"
    "m1.tiny": (1, 512, 1), "m1.small": (1, 2048, 20), "m1.medium": (2, 4096, 40),
    "m1.large": (4, 8192, 80), "m1.impossible": (1, 512, 10_000_000),
}
IMAGE = "realos-tiny"
NETWORK = "realos-net"


def connect(settings: dict, username: str = "admin", project: str = "admin") -> openstack.connection.Connection:
    """A connection to the cloud as one of its users."""
    password = settings["passwords"]["admin" if username == "admin" else username.removeprefix("realos-")]
    return openstack.connect(
        auth_type="v3password", auth_url=f"http://127.0.0.1:{settings['ports']['keystone']}/v3",
        username=username, password=password, project_name=project, user_domain_name="Default",
        project_domain_name="Default", region_name=settings["region"], api_timeout=60,
        load_yaml_config=False, load_envvars=False)


def identity(settings: dict) -> None:
    """Service users and endpoints, the test project and its member and reader."""
    conn = connect(settings)
    ident = conn.identity
    service_project = ident.find_project("service") or ident.create_project(name="service", domain_id="default")
    roles = {name: ident.find_role(name) or ident.create_role(name=name) for name in ("admin", "member", "reader", "service")}
    for name in ("nova", "placement", "glance", "neutron"):
        user = ident.find_user(name) or ident.create_user(
            name=name, password=settings["passwords"][name], domain_id="default")
        for role in ("admin", "service"):
            ident.assign_project_role_to_user(service_project, user, roles[role])
    ports = settings["ports"]
    catalog = {"placement": ("placement", f"http://127.0.0.1:{ports['placement']}"),
               "glance": ("image", f"http://127.0.0.1:{ports['glance']}"),
               "neutron": ("network", f"http://127.0.0.1:{ports['neutron']}"),
               "nova": ("compute", f"http://127.0.0.1:{ports['nova']}/v2.1")}
    for name, (kind, address) in catalog.items():
        service = ident.find_service(name) or ident.create_service(name=name, type=kind)
        present = {endpoint.interface for endpoint in ident.endpoints(service_id=service.id)}
        for interface in {"public", "internal", "admin"} - present:
            ident.create_endpoint(service_id=service.id, interface=interface, url=address, region_id=settings["region"])
    project = ident.find_project(PROJECT) or ident.create_project(name=PROJECT, domain_id="default")
    for name, role in USERS.items():
        user = ident.find_user(name) or ident.create_user(
            name=name, password=settings["passwords"][name.removeprefix("realos-")], domain_id="default",
            default_project_id=project.id)
        ident.assign_project_role_to_user(project, user, roles[role])


def compute(settings: dict, started: str) -> None:
    """Wait until the compute host has reported since ``started`` (naive UTC, ISO; Nova's own
    clock) and its resources are in Placement: until then the scheduler finds no valid host."""
    conn = connect(settings)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        services = list(conn.compute.services(binary="nova-compute"))
        providers = conn.placement.get("/resource_providers").json().get("resource_providers", [])
        if services and providers and all(s.state == "up" and (s.updated_at or "") > started for s in services):
            return
        time.sleep(1)
    raise SystemExit("the fake nova-compute did not report within 300 s; see .real-openstack/log/nova-compute.log")


def cloud(settings: dict) -> None:
    """Flavours, a tiny image, a network; then clouds.yaml."""
    conn = connect(settings)
    project = conn.identity.find_project(PROJECT)
    for name, (vcpus, ram, disk) in FLAVOURS.items():
        if conn.compute.find_flavor(name) is None:
            conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk)
    if conn.image.find_image(IMAGE) is None:
        conn.image.create_image(name=IMAGE, data=os.urandom(4096), disk_format="raw",
                                container_format="bare", visibility="public")
    if conn.network.find_network(NETWORK, project_id=project.id) is None:
        network = conn.network.create_network(name=NETWORK, project_id=project.id)
        conn.network.create_subnet(name=f"{NETWORK}-v4", network_id=network.id, project_id=project.id,
                                   ip_version=4, cidr="10.20.0.0/24")
    write_clouds_yaml(settings)


def write_clouds_yaml(settings: dict) -> None:
    """clouds.yaml (0600) with the test user, the reader and the admin."""
    def entry(username: str, project: str, password: str) -> dict:
        return {"auth_type": "v3password", "region_name": settings["region"], "identity_api_version": 3,
                "auth": {"auth_url": f"http://127.0.0.1:{settings['ports']['keystone']}/v3",
                         "username": username, "password": password, "project_name": project,
                         "user_domain_name": "Default", "project_domain_name": "Default"}}
    passwords = settings["passwords"]
    clouds = {"clouds": {"realos": entry("realos-user", PROJECT, passwords["user"]),
                         "realos-reader": entry("realos-reader", PROJECT, passwords["reader"]),
                         "realos-admin": entry("admin", "admin", passwords["admin"])}}
    path = Path(settings["state"]) / "clouds.yaml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(clouds, handle, indent=1)  # JSON is YAML


if __name__ == "__main__":
    phase, settings_path, *arguments = sys.argv[1:]
    {"identity": identity, "compute": compute, "cloud": cloud}[phase](json.loads(Path(settings_path).read_text()),
                                                                      *arguments)
