"""ComfyUI protocol tests: the test server (and a real ComfyUI when configured) against the recordings."""
