"""AI4ArtsEd Desktop: the embedded server (Flask API + services)."""

__version__ = "0.1.0"
