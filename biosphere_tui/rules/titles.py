"""The titles of the actions, as the app and the command line write them into the journal: phrases in
no language (``i18n.Phrase``), so the journal screen says each one in the reader's language."""

from __future__ import annotations

from biosphere_tui.i18n import Count, Phrase


def vms(n: int) -> Count:
    return Count(n, "{n} VM", "{n} VMs")


def servers(n: int) -> Count:
    return Count(n, "{n} server", "{n} servers")


def requests(n: int) -> Count:
    return Count(n, "{n} request", "{n} requests")


def deleting_vms(n: int) -> Phrase:
    return Phrase.of("Deleting {vms}", vms=vms(n))


def deleting_servers(n: int) -> Phrase:
    return Phrase.of("Deleting {servers}", servers=servers(n))


def approving(n: int) -> Phrase:
    return Phrase.of("Approving {what}", what=requests(n))


def rejecting(n: int) -> Phrase:
    return Phrase.of("Rejecting {what}", what=requests(n))


def launching(name: str) -> Phrase:
    return Phrase.of("Launching {name}", name=name)


def launching_class(n: int) -> Phrase:
    return Phrase.of("Launching a class of {n}", n=n)
