"""LLM providers: one OpenAI-compatible chat client, provider presets, the built-in local engine."""
