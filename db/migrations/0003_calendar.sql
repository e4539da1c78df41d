-- 0003: the counter's own calendar layer (days added or removed by an admin) and its history,
-- and the catalogue's "unconfirmed" flag (values not yet checked against the province's decision).
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('work', 'off')),
    name       TEXT NOT NULL,
    legal_ref  TEXT NOT NULL DEFAULT '',
    changed_by TEXT REFERENCES users (id),
    changed_at DATETIME NOT NULL
);

CREATE TABLE calendar_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    day            DATE NOT NULL,
    old_kind       TEXT,
    new_kind       TEXT,
    name           TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL,
    changed_by     TEXT REFERENCES users (id),
    changed_at     DATETIME NOT NULL,
    dossiers_moved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_calendar_changes_day ON calendar_changes (day);

ALTER TABLE procedures ADD COLUMN unconfirmed BOOLEAN NOT NULL DEFAULT 0;
