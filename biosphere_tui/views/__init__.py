"""What a screen or a command shows that needs both the cache and the rules: read from the cache,
judged by the rules (the cache never imports the rules, the rules never read the cache)."""
