"""Start an OpenStack service of .venv-openstack with two adjustments for the test cloud.

- Every SQLite transaction begins with ``BEGIN IMMEDIATE`` and waits up to a minute for the
  lock: several processes (nova-api, nova-conductor, ...) write the same database, and
  oslo.db's deferred ``BEGIN`` fails at once with "database is locked" when two of them
  upgrade a read to a write together.
- ``sys.argv`` holds only the service's own arguments: under gunicorn oslo.config would
  otherwise parse gunicorn's command line and refuse it.

As a gunicorn application, ``shim:application`` is the WSGI module named by
``REALOS_WSGI_MODULE``, after importing the modules named in ``REALOS_PRELOAD`` (comma-separated)
and configuring SQLAlchemy's mappers: Neutron 29 reads ``Port.port_forwardings``, a backref that
exists only once the mappers are configured, so a port list as a fresh worker's first request
fails with AttributeError (HTTP 500) otherwise; as a script, ``python shim.py CONSOLE_SCRIPT ARGS...`` runs that
console script (``nova-conductor``, ...).
"""

import importlib
import os
import sqlite3
import sys
from importlib.metadata import entry_points
from typing import Any

import sqlalchemy
import sqlalchemy.orm
from sqlalchemy.engine import Engine


@sqlalchemy.event.listens_for(Engine, "connect")
def _wait_for_locks(dbapi_connection: object, _record: object) -> None:
    """Wait for a busy database rather than fail."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA busy_timeout = 60000")


@sqlalchemy.event.listens_for(Engine, "begin")
def _begin_immediate(connection: Any) -> None:
    """Take the write lock at BEGIN (runs before oslo.db's own listener, which then skips)."""
    if connection.dialect.name == "sqlite" and "in_transaction" not in connection.info:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.info["in_transaction"] = True


if __name__ == "__main__":
    script = entry_points(group="console_scripts", name=sys.argv[1])
    sys.argv = sys.argv[1:]
    sys.exit(next(iter(script)).load()())
else:
    sys.argv = [sys.argv[0]]
    preload = [m for m in os.environ.get("REALOS_PRELOAD", "").split(",") if m]
    for module in preload:
        importlib.import_module(module)
    if preload:
        sqlalchemy.orm.configure_mappers()
    application = importlib.import_module(os.environ["REALOS_WSGI_MODULE"]).application
