"""How a portal deployment lives, for the seeding and the running world alike: its way to Ready,
the metadata of its server, what its flavour takes from a quota."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence

from .contract import DeploymentState as S
from .records import Deployment
from .seed_data import FlavorSpec

FINALIZE_SECONDS = (8.0, 20.0)


def plan(rng: random.Random, boot: float, multi_vm: bool) -> list[tuple[float, S]]:
    """Offsets from creation of each state on the way to Ready; Executing starts once the VM booted."""
    provisioning = min(rng.uniform(3, 10), boot / 2)
    executing = rng.uniform(150, 300) if multi_vm else rng.uniform(8, 25)
    reporting = rng.uniform(3, 8)
    return [(provisioning, S.PROVISIONING), (boot, S.EXECUTING), (boot + executing, S.SENDING_REPORTS),
            (boot + executing + reporting, S.READY)]


def metadata(dep: Deployment) -> dict[str, str]:
    """The metadata the orchestrator puts on a deployment's server."""
    return {"biosphere_deployment": dep.id, "biosphere_group": dep.group_id, "owner": dep.owner}


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def resources(flavor: FlavorSpec) -> tuple[int, int, int, int]:
    """vCPU, RAM GB, disk GB and GPUs of *flavor*."""
    return flavor.vcpu, flavor.ram_gb, flavor.disk_gb, flavor.gpu


def fits(used: Sequence[int], extra: Sequence[int], limit: Sequence[float]) -> bool:
    return all(u + e <= lim for u, e, lim in zip(used, extra, limit, strict=False))
