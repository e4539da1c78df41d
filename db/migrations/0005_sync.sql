-- 0005: the counter side of sync: enrolment with the central server, sync bookkeeping, per-op results,
-- the supervisor's conflict list, and the server's view of each dossier.
--
-- Every step is O(1) on a large database: new tables, and ADD COLUMN with a constant default (SQLite
-- only rewrites the schema text). No CHECK on the added columns, because SQLite would then scan every
-- existing row to test it.

-- The outbox gains the states of a real sync. The CHECK constraint is widened in place: SQLite documents
-- editing the schema text with writable_schema for changes that leave the stored rows valid, and every
-- existing row stays valid under a wider CHECK. RESET reloads this connection's schema so that the ADD
-- COLUMNs below edit the new text; they also bump the schema cookie, so other connections reload it too.
-- 'acked' (the old name of 'done', never written by a sync) stays allowed and counts as done; rows are
-- not rewritten, so the step stays O(1) however long the outbox is.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(
       sql,
       'CHECK (state IN (''pending'', ''sent'', ''acked'', ''failed'', ''rejected''))',
       'CHECK (state IN (''pending'', ''sent'', ''failed'', ''done'', ''rejected'', ''conflict'', ''held'', ''acked''))'
   )
 WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;
-- Fail loudly if the text did not match (the CHECK below then refuses 0).
CREATE TEMP TABLE migration_0005_guard (widened INTEGER CHECK (widened));
INSERT INTO migration_0005_guard
SELECT instr(sql, '''held''') > 0 FROM sqlite_master WHERE type = 'table' AND name = 'outbox';
DROP TABLE migration_0005_guard;

-- Per-op outcome: the server's answer (applied/duplicate/conflict/rejected), its stable error code,
-- the change-log sequence of the effect, and when the acknowledgement arrived.
ALTER TABLE outbox ADD COLUMN result TEXT;
ALTER TABLE outbox ADD COLUMN error_code TEXT;
ALTER TABLE outbox ADD COLUMN server_seq INTEGER;
ALTER TABLE outbox ADD COLUMN acked_at DATETIME;

-- The server's version of the dossier last applied here (0: never seen by the server), and where the
-- dossier came from: 'local' (received into this database) or 'pulled' (inserted by a pull: another
-- desk's dossier, or this desk's own that a restored database had forgotten).
ALTER TABLE dossiers ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';

-- The one enrolment of this counter with a central server (absent: a standalone counter).
CREATE TABLE sync_enrolment (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    counter_id   TEXT NOT NULL,
    token        TEXT NOT NULL,
    file_key     TEXT NOT NULL,
    agency_code  TEXT NOT NULL,
    agency_name  TEXT NOT NULL,
    counter_name TEXT NOT NULL,
    slot         INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 9),
    ca_bundle    TEXT NOT NULL DEFAULT '',
    enrolled_at  DATETIME NOT NULL
);

-- Sync bookkeeping as key/value text: pull_cursor, server_epoch, last_success_at, last_attempt_at,
-- last_error, clock_skew_seconds, last_server_time, consecutive_failures, next_attempt_at, ...
CREATE TABLE sync_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

-- What did not fit: an op the server answered with a conflict or a rejection, or a pulled dossier that
-- clashes with a local one; both sides kept for the supervisor, never silently dropped or overwritten.
CREATE TABLE sync_conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id       TEXT,
    dossier_id  TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('conflict', 'rejected', 'quarantine', 'code_clash', 'invalid')),
    error_code  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    local_json  TEXT NOT NULL DEFAULT '{}',
    server_json TEXT NOT NULL DEFAULT '{}',
    created_at  DATETIME NOT NULL,
    resolved_at DATETIME,
    resolved_by TEXT REFERENCES users (id),
    resolution  TEXT
);
CREATE INDEX ix_sync_conflicts_open ON sync_conflicts (resolved_at, dossier_id);
CREATE INDEX ix_sync_conflicts_dossier ON sync_conflicts (dossier_id);
