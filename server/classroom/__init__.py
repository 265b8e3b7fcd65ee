"""Classroom mode: one teacher PC serves the browsers of a whole class (docs/classroom.md)."""
