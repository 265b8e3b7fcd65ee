"""Cloud media outputs (OpenAI Images API, OpenRouter image answers), their keys and availability."""
