"""Tests of the ComfyUI protocol: the test server (and, when configured, a real ComfyUI) against the recordings."""
