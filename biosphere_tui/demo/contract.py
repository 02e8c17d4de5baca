"""The portal contract's vocabulary, as the fake portal speaks it (docs/portal-api.yaml).

The demo's own copies of the contract's enums and limits: the demo never imports the client,
so renaming a value on one side cannot silently change the other
(``tests/demo/test_contract_values.py`` checks the client parses every value sent here).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class GroupKind(StrEnum):
    PROJECT = "project"
    TRAINING = "training"
    AFFILIATION = "affiliation"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Availability(StrEnum):
    """What the status page says of a site."""

    UP = "up"
    DEGRADED = "degraded"
    MAINTENANCE = "maintenance"
    DOWN = "down"


class DeploymentState(StrEnum):
    """SlipStream-lineage states of a portal deployment."""

    INITIALIZING = "Initializing"
    PROVISIONING = "Provisioning"
    EXECUTING = "Executing"
    SENDING_REPORTS = "SendingReports"
    READY = "Ready"
    FINALIZING = "Finalizing"
    DONE = "Done"
    ABORTED = "Aborted"
    CANCELLED = "Cancelled"

    @property
    def is_final(self) -> bool:
        return self in (DeploymentState.DONE, DeploymentState.ABORTED, DeploymentState.CANCELLED)


CATEGORIES = ("Base Linux", "Workflow", "Remote desktop", "Web UI", "Training", "Cluster")
FUNDINGS = ("platform", "collaboration", "invoice")
# The most a new project group may ask for (``GroupCreate`` maximums; 422 beyond).
GROUP_REQUEST_MAXIMUM = {"vcpu": 4096, "ram_gb": 32768, "storage_gb": 500000}
