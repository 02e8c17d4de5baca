"""The clients step aside while the app answers a key (``pace``, see ``local/foreground.py``): before
each request they send and each reply they decode, not only between the items they parse. A reply's
JSON is decoded in one call holding the interpreter (~10 ms for 1,000 servers), and each request runs
the HTTP stack's code: at scale 200 a key waited for them 5-15 ms before the app even saw it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from biosphere_tui.api import limits
from biosphere_tui.api import openstack as openstack_module
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.api.portal import PortalClient


class Log(Counter[str]):
    """A demo service's request counter that also writes each request into ``events``."""

    def __init__(self, events: list[str], counted: Counter[str], listed: tuple[str, ...]) -> None:
        super().__init__(counted)
        self.events, self.listed = events, listed

    def __setitem__(self, key: str, value: int) -> None:
        if key.split(" ", 1)[1].startswith(self.listed):
            self.events.append("request")
        super().__setitem__(key, value)


def record(events: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reply decoded is written into ``events``."""
    decode = limits.parse_json

    def parse_json(data: bytes, source: str) -> object:
        events.append("decode")
        return decode(data, source)

    monkeypatch.setattr(limits, "parse_json", parse_json)


def unpaced(events: list[str]) -> list[int]:
    """Where a request was sent or a reply decoded right after something else than a ``pace``."""
    return [at for at, event in enumerate(events) if event != "pace" and (at == 0 or events[at - 1] != "pace")]


def test_a_site_paces_before_each_request_and_each_reply(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    demo.write_config(tmp_path)
    monkeypatch.setattr(openstack_module, "PAGE", 4)  # many pages
    events: list[str] = []
    service = demo.sites["ifb-core-cloud"].service
    monkeypatch.setattr(service, "hits", Log(events, service.hits, ("/compute/v2.1/", "/image/v2/")))  # not sign-in nor discovery
    record(events, monkeypatch)
    site = SiteClient("ifb-core-cloud", tmp_path / "clouds.yaml", timeout=3.0, pace=lambda: events.append("pace"))
    try:
        servers = site.snapshot().servers
    finally:
        site.close()
    assert len(servers) > 4 * 3 and events.count("request") > 4 and events.count("decode") >= events.count("request")
    assert unpaced(events) == []


async def test_the_portal_paces_before_each_request_and_each_reply(demo, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from biosphere_tui.api import portal as portal_module

    monkeypatch.setattr(portal_module, "PER_PAGE", 5)  # many pages
    monkeypatch.setattr(portal_module, "PAGES_IN_FLIGHT", 1)  # one at a time: each request right after its pace
    events: list[str] = []
    service = demo.portal.service
    monkeypatch.setattr(service, "hits", Log(events, service.hits, ("/api/",)))
    record(events, monkeypatch)
    async with PortalClient(demo.portal_url, demo.token, timeout=2.0, pace=lambda: events.append("pace")) as portal:
        found = await portal.deployments("group", "marine-meta")
    assert len(found) > 5 * 3 and events.count("request") > 3 and events.count("decode") == events.count("request")
    assert unpaced(events) == []
