"""Small pure-Python writers for the media files the simulated save nodes produce."""
