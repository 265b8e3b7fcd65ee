"""HTTP blueprints. Thin: they turn requests into service calls and results into JSON."""
