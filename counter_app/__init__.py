"""Domain core of the one-stop counter application (no Qt here)."""

__version__ = "0.1.0"
