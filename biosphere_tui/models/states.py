"""The states, roles and kinds the domain objects' fields take, and Nova's conventions: the statuses
that hold quota while running nothing, the value of a limit that is not set."""

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


class SiteState(StrEnum):
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
    def is_active(self) -> bool:
        return self in _ACTIVE

    @property
    def is_final(self) -> bool:
        return self in (DeploymentState.DONE, DeploymentState.ABORTED, DeploymentState.CANCELLED)


_ACTIVE = {
    DeploymentState.INITIALIZING,
    DeploymentState.PROVISIONING,
    DeploymentState.EXECUTING,
    DeploymentState.SENDING_REPORTS,
}


OFF_STATUSES = ("SHUTOFF", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED")  # Nova: holds its quota, runs nothing


UNLIMITED = -1
"""Nova's value of a limit that is not set."""


def exceeds(in_use: int, need: int, most: int) -> bool:
    """Whether ``need`` more goes past the limit ``most`` (never for an ``UNLIMITED`` one)."""
    return most != UNLIMITED and in_use + need > most
