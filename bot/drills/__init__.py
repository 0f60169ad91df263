"""Drills: the scenario library (built-in TOML and the organizers' own) and its pictures."""
