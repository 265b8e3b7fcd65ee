"""Run records and their media files on disk."""
