"""How to reach a VM or a Nova server: its ``ssh`` command, or why there is none, in plain words.

The cache gives the deployment, the server and its image as they are; the screens, the widgets
and the commands ask here what to show, so that one VM never gets two different commands."""

from __future__ import annotations

from biosphere_tui.i18n import _, t
from biosphere_tui.models.deployments import Deployment
from biosphere_tui.models.nova import Server
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.ssh import Ssh, ssh_command

# The usual default login of cloud images, by Glance's ``os_distro``; Biosphère's images use ubuntu.
LOGIN_USERS = {"debian": "debian", "centos": "centos", "rocky": "rocky", "almalinux": "almalinux",
               "fedora": "fedora"}
DEFAULT_LOGIN = "ubuntu"


def deployment_ssh(deployment: Deployment, ip: str | None) -> Ssh:
    """``ssh user@ip`` while the VM lives and has an address ``ip`` (its live server's, else the
    portal's), from the SSH link's user (else the ``username`` parameter, else ubuntu); else why not."""
    d = deployment
    if d.state.is_final:
        return Ssh(None, t("{name} is {state}: it has no server any more.", name=d.name, state=_(d.state.value)))
    if d.state is DeploymentState.FINALIZING:
        return Ssh(None, t("{name} is being deleted.", name=d.name))
    if ip is None:
        return Ssh(None, t("{name} has no IP address yet ({state}).", name=d.name, state=_(d.state.value)))
    link = next((a.url for a in d.access if a.kind == "ssh"), None)
    user = next((p.value for p in d.parameters if p.name == "username"), DEFAULT_LOGIN)
    return ssh_command(link, host=ip, user=user)


def server_ssh(server: Server, os_distro: str) -> Ssh:
    """``ssh user@ip`` for an ACTIVE Nova server with an address, the user after its image's
    distribution (``os_distro``); else why not."""
    s = server
    if s.status == "ERROR":
        return Ssh(None, t("{name} is in ERROR: {fault}", name=s.name, fault=s.fault) if s.fault
                   else t("{name} is in ERROR.", name=s.name))
    if s.status != "ACTIVE":
        return Ssh(None, t("{name} is {status}, not ACTIVE.", name=s.name, status=s.status))
    if s.ip is None:
        return Ssh(None, t("{name} has no IP address yet.", name=s.name))
    return ssh_command(None, host=s.ip, user=LOGIN_USERS.get(os_distro.lower(), DEFAULT_LOGIN))
