"""The local SQLite cache: written by the sync, read by the screens. It holds derived data only."""
