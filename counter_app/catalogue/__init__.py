"""Procedure catalogue: validation, JSON/XLSX import and export."""
