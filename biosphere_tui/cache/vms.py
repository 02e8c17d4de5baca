"""The VMs (deployments joined to their live servers): filtered, sorted and windowed in SQL.

In OpenStack-only mode (``nova=True``) the VMs are the Nova servers of every site, as rows of
the same shape: id ``site/server-id``, the image's name as appliance, the Nova status as state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from biosphere_tui.cache.db import Reader, Row
from biosphere_tui.models.states import DeploymentState

_DEPLOYMENT_STATES = {s.value for s in DeploymentState}
FINISHED_STATES = (DeploymentState.DONE.value, DeploymentState.CANCELLED.value)

_STATE_ORDER = " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(DeploymentState))

# Column key (as in ``VmTable``) -> SQL expression that sorts it ascending as displayed.
VM_SORTS = {
    "name": "name COLLATE NOCASE", "appliance": "appliance_name COLLATE NOCASE", "site": "site",
    "state": f"CASE state {_STATE_ORDER} ELSE state END", "server": "server_status", "flavor": "flavor", "vcpu": "vcpu",
    "ram": "ram_gb", "ip": "ip", "owner": "owner", "age": "-julianday(created)",
}
ORDERED_FROM = 4  # windows' worth of matching VMs from which ``window`` reads through the sort's index
SERVER_SORTS = ("server", "ip")  # sorted by the live server's values: no deployment index holds them (schema m012)

_ROW_COLUMNS = "id, name, appliance_name, group_id, owner, site, flavor, state, server_status, vcpu, ram_gb, ip, created"
_SEARCHED = ("name", "appliance_name", "site", "owner", "state", "ip")
_SEARCHED_TEXT = " || char(10) || ".join(f"COALESCE({c}, '')" for c in _SEARCHED)  # one per line: no word spans two
NOVA_VMS = (
    "(SELECT s.site || '/' || s.id AS id, s.name, COALESCE(NULLIF(i.name, ''), s.image_id) AS appliance_name, "
    "'' AS group_id, '' AS owner, s.site, s.flavor, s.status AS state, s.status AS server_status, s.vcpus AS vcpu, "
    "s.ram_mb / 1024.0 AS ram_gb, s.ip, s.created "
    "FROM servers s LEFT JOIN images i ON i.site = s.site AND i.id = s.image_id) AS vms"
)
NOVA_GONE = ("DELETED", "SOFT_DELETED")


@dataclass(frozen=True)
class VmRow:
    """A VM as myVM lists it: the deployment with its live server state."""

    id: str
    name: str
    appliance: str
    group_id: str
    owner: str
    site: str
    flavor: str
    state: str
    server_status: str | None
    vcpu: int
    ram_gb: float  # whole in portal mode; a Nova flavour may have 512 MB (0.5)
    ip: str | None
    created: datetime

    @property
    def gone(self) -> bool:
        """Finished or being deleted: nothing is left to delete."""
        if self.state not in _DEPLOYMENT_STATES:  # a Nova server (OpenStack-only mode)
            return self.state in NOVA_GONE
        state = DeploymentState(self.state)
        return state.is_final or state is DeploymentState.FINALIZING


@dataclass(frozen=True)
class VmQuery:
    """Which VMs to list and in what order.

    ``owner`` keeps one person's VMs, ``group_id`` one group's; ``text`` keeps the VMs whose
    name, appliance, site, owner, state or IP contain every one of its words (any case);
    ``finished`` also lists Done and Cancelled deployments.
    """

    text: str = ""
    owner: str | None = None
    group_id: str | None = None
    finished: bool = True
    sort: str = "age"
    descending: bool = False

    def where(self, *, ordered: bool = False) -> tuple[str, list[object]]:
        """``ordered``: the owner and group are not looked up in their indexes, so that SQLite reads
        the VMs through the sort's index (``+owner``), stopping once the window is full."""
        clauses, params = ["1"], list[object]()
        plus = "+" if ordered else ""
        if self.owner is not None:
            clauses.append(f"{plus}owner = ?")
            params.append(self.owner)
        if self.group_id is not None:
            clauses.append(f"{plus}group_id = ?")
            params.append(self.group_id)
        if not self.finished:
            clauses.append(f"state NOT IN ({', '.join('?' * len(FINISHED_STATES))})")
            params.extend(FINISHED_STATES)
        for word in self.text.split():  # OR of LIKEs: ~25 % cheaper than one LIKE on the joined fields
            clauses.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _SEARCHED) + ")")
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params.extend([pattern] * len(_SEARCHED))
        return " AND ".join(clauses), params

    def order(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        return f"{VM_SORTS.get(self.sort, VM_SORTS['age'])} {direction}, id {direction}"


def _vm(r: Row) -> VmRow:
    ram_gb = int(r[10]) if r[10] is not None and r[10] == int(r[10]) else r[10]
    return VmRow(*r[:10], ram_gb, r[11], datetime.fromisoformat(r[12]))  # type: ignore[call-arg]


def _from(nova: bool) -> str:
    return NOVA_VMS if nova else "vms"


def vms(db: Reader, query: VmQuery = VmQuery(), *, limit: int = 10_000, offset: int = 0,
        nova: bool = False, ordered: bool = False) -> list[VmRow]:
    """The VMs of ``query`` in its order; ``ordered``: read through the sort's index (see ``where``)."""
    where, params = query.where(ordered=ordered)
    cur = db.execute(
        f"SELECT {_ROW_COLUMNS} FROM {_from(nova)} WHERE {where} ORDER BY {query.order()} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_vm(r) for r in cur.fetchall()]


def window(db: Reader, query: VmQuery, *, limit: int, nova: bool = False,
           total: int | None = None) -> tuple[list[VmRow], int]:
    """The first ``limit`` VMs and how many match in all (``total``, when the caller counted them
    already: a cursor move or a new sort does not change it).

    Counting reads the scope's VMs once. The window is read through the sort's index when many
    VMs match (``ORDERED_FROM`` windows' worth): SQLite stops once it is full, after about
    ``limit * deployments / total`` rows; with fewer matches it sorts them."""
    if total is None:
        total = count(db, query, nova=nova)
    if not total:
        return [], 0
    ordered = not nova and query.sort not in SERVER_SORTS and total >= ORDERED_FROM * limit
    return vms(db, query, limit=limit, nova=nova, ordered=ordered), total


@dataclass(frozen=True)
class Ordering:
    """Every VM of a query's scope, its words aside, in the query's order, with the text each is
    searched by: a filter keystroke scans these strings in memory (a few ms for 20,000 VMs) rather
    than every VM joined to its server in SQL. Read again when the scope, the sort or the data change.

    The VMs found for the last ``REMEMBERED`` texts are kept: a key erased finds them again without a
    scan, and a key typed scans only the VMs an earlier text found, when each of its words is part of
    a word of the new text (every VM matching the new text matches it)."""

    REMEMBERED = 64

    ids: tuple[str, ...]
    texts: tuple[str, ...]  # the searched fields, lower case, one per line: no word spans two
    _found: dict[frozenset[str], list[int]] = field(default_factory=dict, compare=False, repr=False)

    def matching(self, text: str) -> list[str]:
        """The VMs whose fields contain every word of ``text`` (any case), in order."""
        words = frozenset(text.lower().split())
        found = self._found.get(words)
        if found is None:
            found = self._search(words)
            if len(self._found) >= self.REMEMBERED:
                del self._found[next(iter(self._found))]  # the oldest text
            self._found[words] = found
        return [self.ids[i] for i in found]

    def _search(self, words: frozenset[str]) -> list[int]:
        """The indices of the VMs matching ``words``, scanning the fewest an earlier text left."""
        narrower = [found for earlier, found in self._found.items()
                    if all(any(e in w for w in words) for e in earlier)]
        texts = self.texts
        within = min(narrower, key=len) if narrower else range(len(texts))
        if len(words) == 1:
            (word,) = words
            return [i for i in within if word in texts[i]]
        return [i for i in within if all(w in texts[i] for w in words)]


def search_texts(db: Reader, *, nova: bool = False, pace: Callable[[], None] = lambda: None) -> dict[str, str]:
    """Every VM's searched text (``Ordering.texts``) by id: read once for the data, whatever the
    scope or the sort, an ``ordering`` then reads the scope's ids alone. ``pace`` is called before each
    (in a worker: it may wait while a key is answered)."""
    texts = {}
    for vm, text in db.execute(f"SELECT id, {_SEARCHED_TEXT} FROM {_from(nova)}"):
        pace()
        texts[vm] = text.lower()
    return texts


def ordering(db: Reader, query: VmQuery, *, nova: bool = False, texts: Mapping[str, str] | None = None) -> Ordering:
    """The VMs of ``query``'s scope in its order, with their searched texts: read with them, or taken
    from ``texts`` (``search_texts``), reading only the ids in order, from the deployments alone when
    the sort is on their own columns (at 16,000 VMs: ~11 ms against ~40 ms with the join to the servers)."""
    where, params = replace(query, text="").where()
    if texts is None:
        found = db.execute(f"SELECT id, {_SEARCHED_TEXT} FROM {_from(nova)} WHERE {where} ORDER BY {query.order()}",
                           params)
        every = [(vm, text.lower()) for vm, text in found]
        return Ordering(tuple(vm for vm, _ in every), tuple(text for _, text in every))
    table = _from(nova) if nova or query.sort in SERVER_SORTS else "deployments"
    ids = tuple(vm for (vm,) in db.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY {query.order()}", params))
    missing = [vm for vm in ids if vm not in texts]  # written since ``texts`` was read
    if missing:
        cur = db.execute(f"SELECT id, {_SEARCHED_TEXT} FROM {_from(nova)} WHERE id IN ({', '.join('?' * len(missing))})",
                         missing)
        texts = {**texts, **{vm: text.lower() for vm, text in cur}}
    return Ordering(ids, tuple(texts.get(vm, "") for vm in ids))


def searched(db: Reader, order: Ordering, text: str, *, limit: int, nova: bool = False) -> tuple[list[VmRow], int]:
    """The first ``limit`` VMs of ``order`` matching ``text``, and how many match in all."""
    ids = order.matching(text)
    shown = ids[:limit]
    found = {vm.id: vm for vm in rows(db, shown, nova=nova)} if shown else {}
    return [found[vm] for vm in shown if vm in found], len(ids)


def count(db: Reader, query: VmQuery = VmQuery(), *, nova: bool = False) -> int:
    """How many VMs match; without words to search, the deployments alone (their indexes count the
    scope: the servers' columns are only searched)."""
    where, params = query.where()
    table = _from(nova) if nova or query.text.split() else "deployments"
    return int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0])


def rows(db: Reader, ids: list[str], *, nova: bool = False) -> list[VmRow]:
    """These VMs (those still in the cache), in no particular order."""
    cur = db.execute(f"SELECT {_ROW_COLUMNS} FROM {_from(nova)} WHERE id IN ({', '.join('?' * len(ids))})", ids)
    return [_vm(r) for r in cur.fetchall()]


def live_named(db: Reader, names: Sequence[str], *, nova: bool = False) -> list[VmRow]:
    """The live VMs (neither finished nor being deleted) bearing one of these names, oldest
    first: those ``delete NAME`` would have to choose between."""
    if not names:
        return []
    cur = db.execute(f"SELECT {_ROW_COLUMNS} FROM {_from(nova)} WHERE name IN ({', '.join('?' * len(names))}) "
                     "ORDER BY created, id", list(names))
    return [vm for vm in map(_vm, cur.fetchall()) if not vm.gone]
