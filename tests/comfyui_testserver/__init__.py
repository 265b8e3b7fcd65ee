"""A protocol-faithful stand-in for ComfyUI 0.3.64, started like the real one (see README.md)."""
