"""PySide6 desktop client of the counter."""
