"""A protocol-faithful OpenAI-compatible test server, run as a real child process."""
