"""The idle VM finder's rules (pure), its thresholds in the configuration, and the parser's
optional ``last_activity``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from biosphere_tui.api import portal_parse
from biosphere_tui.api.fields import ShapeError
from biosphere_tui.cache.activity import VmActivity
from biosphere_tui.config import IdleSettings, NotificationSettings, load
from biosphere_tui.errors import ConfigError
from biosphere_tui.models.groups import Quota
from biosphere_tui.rules.idle import IdleKind, find_idle, given_back

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = IdleSettings(running_days=14, shutoff_days=7)


def vm(name: str, *, ready: float = 60, active: float | None = None, status: str | None = "ACTIVE",
       changed: float | None = None, vcpu: int = 4, ram: int = 16, disk: int = 230) -> VmActivity:
    """A Ready VM: Ready ``ready`` days ago, last active ``active`` days ago (None: never seen),
    its server's status last changed ``changed`` days ago."""
    return VmActivity(name, name, "Ubuntu 22.04", "g", "someone", "site", "ifb.m4.xlarge", vcpu, ram, disk,
                      NOW - ready * DAY, None if active is None else NOW - active * DAY, status,
                      None if changed is None else NOW - changed * DAY)


def test_a_running_vm_without_activity_for_longer_than_the_threshold_is_idle() -> None:
    found = find_idle([vm("busy", active=0.01), vm("quiet", active=20), vm("almost", active=13.9)], RULES, NOW)
    assert [(v.deployment.name, v.kind, v.why) for v in found] == [
        ("quiet", IdleKind.NO_ACTIVITY, "no activity for 20 days")]
    assert found[0].since == NOW - 20 * DAY


def test_no_activity_ever_seen_counts_from_when_it_became_ready() -> None:
    found = find_idle([vm("never", ready=30, active=None), vm("new", ready=3, active=None)], RULES, NOW)
    assert [(v.deployment.name, v.since, v.why) for v in found] == [
        ("never", NOW - 30 * DAY, "no activity seen since Ready 30 days ago")]


def test_a_shut_off_vm_counts_from_its_servers_last_change_with_its_own_threshold() -> None:
    found = find_idle([vm("off", active=40, status="SHUTOFF", changed=8),
                       vm("just-off", active=40, status="SHUTOFF", changed=2),
                       vm("shelved", active=1, status="SHELVED_OFFLOADED", changed=9)], RULES, NOW)
    assert [(v.deployment.name, v.kind, v.why) for v in found] == [
        ("shelved", IdleKind.SHUT_OFF, "SHELVED_OFFLOADED for 9 days"), ("off", IdleKind.SHUT_OFF, "SHUTOFF for 8 days")]


def test_servers_building_or_in_error_are_not_idle_but_an_unlisted_server_follows_the_portal() -> None:
    found = find_idle([vm("broken", active=50, status="ERROR"), vm("rebuilding", active=50, status="BUILD"),
                       vm("unknown", active=50, status=None)], RULES, NOW)
    assert [v.deployment.name for v in found] == ["unknown"]


def test_idle_longest_first_and_what_deleting_gives_back() -> None:
    found = find_idle([vm("a", active=20, vcpu=2, ram=8, disk=110), vm("b", active=50, vcpu=32, ram=128, disk=1840),
                       vm("c", status="SHUTOFF", changed=30, vcpu=1, ram=4, disk=40)], RULES, NOW)
    assert [v.deployment.name for v in found] == ["b", "c", "a"]
    assert given_back(found) == Quota(35, 140, 1990)
    assert given_back([]) == Quota(0, 0, 0)


def test_thresholds_come_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    portal = "[portal]\nurl = 'https://portal.example/api/v1'\n"  # a configuration needs a portal or clouds
    path.write_text(portal + "[idle]\nrunning_days = 30\nshutoff_days = 3.5\n[notifications]\nenabled = false\nbell = true\n")
    cfg = load(path)
    assert cfg.idle == IdleSettings(30.0, 3.5)
    assert cfg.notifications == NotificationSettings(enabled=False, bell=True)
    path.write_text(portal)
    assert (load(path).idle, load(path).notifications) == (IdleSettings(14.0, 14.0), NotificationSettings(True, False))
    assert [v.deployment.name for v in find_idle([vm("q", active=20)], IdleSettings(30, 3.5), NOW)] == []


@pytest.mark.parametrize(("text", "message"), [
    ("[idle]\nrunning_days = 0\n", "idle.running_days must be a positive number of days"),
    ("[idle]\nshutoff_days = 'two weeks'\n", "idle.shutoff_days must be a positive number of days"),
    ("[idle]\nshutoff_days = true\n", "idle.shutoff_days must be a positive number of days"),
    ("[idle]\ndays = 3\n", "unknown key idle.days"),
    ("[notifications]\nbell = 'yes'\n", "notifications.bell must be true or false"),
    ("[notifications]\nenabled = 1\n", "notifications.enabled must be true or false"),
])
def test_bad_idle_or_notification_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert message in str(err.value) and str(path) in str(err.value)


def _deployment_json(**change: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": "d-1", "name": "mags", "appliance": {"id": "119", "name": "BioPipes"}, "group": "marine-meta",
        "owner": "demo", "site": "ifb-core-cloud", "flavor": "ifb.m4.large", "state": "Ready",
        "created": "2026-11-01T08:00:00Z", "updated": "2026-11-01T08:12:00Z",
        "resources": {"vcpu": 2, "ram_gb": 8, "disk_gb": 110}, "server_id": "s-1", "ip": "10.0.0.2",
        "access": [], "parameters": [], "reason": ""}
    return raw | change


def test_last_activity_is_optional_but_strict() -> None:
    assert portal_parse.deployment(_deployment_json()).last_activity is None
    assert portal_parse.deployment(_deployment_json(last_activity=None)).last_activity is None
    seen = portal_parse.deployment(_deployment_json(last_activity="2026-11-20T10:00:00Z")).last_activity
    assert seen == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with pytest.raises(ShapeError, match="deployment.last_activity is not a date and time"):
        portal_parse.deployment(_deployment_json(last_activity="last week"))
    with pytest.raises(ShapeError, match="deployment.last_activity should be text"):
        portal_parse.deployment(_deployment_json(last_activity=17))
