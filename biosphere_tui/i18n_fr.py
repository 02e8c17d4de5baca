"""French translations of the interface, keyed by the English text (see ``i18n``)."""

FR: dict[str, str] = {}
