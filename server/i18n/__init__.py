"""Server-side messages in German and English, looked up by code."""
