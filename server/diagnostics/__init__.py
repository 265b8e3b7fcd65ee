"""The diagnostics file a teacher sends to support: logs, state and versions, never a secret."""
