"""Command-line interfaces of the counter (counter-admin)."""
