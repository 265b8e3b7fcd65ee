"""Installing a ComfyUI the app manages itself (docs/comfyui-installer.md)."""
