"""ComfyUI as a child process (managed), a URL (external), or none; and the client that talks to it."""
