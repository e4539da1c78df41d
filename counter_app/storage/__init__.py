"""Database access for the counter: models, migrations, opening and backups."""
