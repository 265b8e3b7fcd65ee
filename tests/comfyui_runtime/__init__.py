"""Tests of the ComfyUI runtime: supervisor, client and their HTTP API, against real processes."""
