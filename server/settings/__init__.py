"""Settings, data directories and (later) the secrets store."""
