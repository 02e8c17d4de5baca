"""Domain objects shared by every layer (clients, cache, screens).

Plain frozen dataclasses: no I/O, no UI, no SQL. Times are timezone-aware UTC
``datetime`` objects; dates are ``date``. Memory and disk sizes are in GB unless the
field name says otherwise (OpenStack reports RAM in MB, so ``ram_mb`` keeps it).

One module per domain, imported by name (``biosphere_tui.models.groups``...): a program loads the
classes it uses, not all of them (each frozen dataclass costs ~0.6 ms to make at import).
"""
