"""Shared test machinery: starting the real app as a child process, free ports, browsers."""
