-- 0002: hash-chained audit trail, transactional outbox, and the date guard of dossier codes.

-- The audit trail (who did what, when): append-only and hash-chained. Each row's hash is
-- sha256(prev_hash || canonical JSON of at, user_id, action, entity_type, entity_id, detail); the first
-- row chains from 64 zeros. AUTOINCREMENT keeps the highest id ever used in sqlite_sequence, so that
-- deleting the newest rows is detectable too (see counter_app.services.audit.verify_chain).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    user_id     TEXT REFERENCES users (id),
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL DEFAULT '',
    entity_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX ix_audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX ix_audit_log_at ON audit_log (at);

-- The application never rewrites history; tampering needs a deliberate DROP TRIGGER, and the hash
-- chain still tells.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The transactional outbox: one row per local change, written in the change's own transaction and
-- sent to the central system in id order (FIFO; AUTOINCREMENT never reuses an id).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id           TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    payload_hash    TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'acked', 'failed', 'rejected')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at DATETIME,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_outbox_state ON outbox (state, id);
CREATE INDEX ix_outbox_entity ON outbox (entity_id);

-- An op's identity and payload are frozen once written: a later edit is a new op.
CREATE TRIGGER outbox_payload_frozen BEFORE UPDATE OF op_id, kind, entity_id, payload, payload_hash ON outbox
BEGIN
    SELECT RAISE(ABORT, 'outbox ops are immutable');
END;

-- The latest date for which a dossier code was issued, per agency: a clock going backwards must
-- never issue a code dated earlier than this (counter_app.services.codes).
CREATE TABLE code_high_water (
    agency_code TEXT PRIMARY KEY,
    last_day    DATE NOT NULL,
    updated_at  DATETIME NOT NULL
);
