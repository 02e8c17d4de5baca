"""Files this app keeps on this machine for its user: private files, the log, the journal of
actions and the remembered state (the cache lives in ``cache/``)."""
