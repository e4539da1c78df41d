-- 0001: counter configuration, users, procedure catalogue, applicants, dossiers, events.
CREATE TABLE counter_config (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    counter_uuid    TEXT    NOT NULL,
    agency_code     TEXT    NOT NULL,
    agency_name     TEXT    NOT NULL,
    parent_name     TEXT    NOT NULL,
    place_name      TEXT    NOT NULL,
    working_hours   TEXT    NOT NULL DEFAULT '07:00-11:30,13:30-17:00',
    saturday_hours  TEXT    NOT NULL DEFAULT '',
    code_slot       INTEGER NOT NULL DEFAULT 1 CHECK (code_slot BETWEEN 1 AND 9),
    created_at      DATETIME NOT NULL
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  DATETIME,
    created_at    DATETIME NOT NULL
);

CREATE TABLE procedures (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    name_fold       TEXT NOT NULL,
    field_code      TEXT NOT NULL DEFAULT '',
    field_name      TEXT NOT NULL,
    level           TEXT NOT NULL DEFAULT 'xa',
    deadline_amount REAL NOT NULL CHECK (deadline_amount >= 0),
    deadline_unit   TEXT NOT NULL CHECK (deadline_unit IN ('working_days', 'working_hours', 'calendar_days', 'same_day')),
    cutoff          TEXT,
    pause_rule      TEXT NOT NULL DEFAULT 'pause' CHECK (pause_rule IN ('pause', 'restart', 'none')),
    deadline_note   TEXT NOT NULL DEFAULT '',
    fee_amount      INTEGER NOT NULL DEFAULT 0 CHECK (fee_amount >= 0),
    fee_note        TEXT NOT NULL DEFAULT '',
    legal_basis     TEXT NOT NULL DEFAULT '',
    online_level    TEXT NOT NULL DEFAULT '' CHECK (online_level IN ('', 'toan_trinh', 'mot_phan')),
    agency_in_charge TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT 1,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX ix_procedures_name_fold ON procedures (name_fold);

CREATE TABLE procedure_documents (
    id               INTEGER PRIMARY KEY,
    procedure_id     INTEGER NOT NULL REFERENCES procedures (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    originals        INTEGER NOT NULL DEFAULT 0 CHECK (originals >= 0),
    certified_copies INTEGER NOT NULL DEFAULT 0 CHECK (certified_copies >= 0),
    copies           INTEGER NOT NULL DEFAULT 0 CHECK (copies >= 0),
    required         BOOLEAN NOT NULL DEFAULT 1,
    UNIQUE (procedure_id, position)
);

CREATE TABLE applicants (
    id               TEXT PRIMARY KEY,
    full_name        TEXT NOT NULL,
    name_fold        TEXT NOT NULL,
    birth_date       DATE,
    gender           TEXT NOT NULL DEFAULT '' CHECK (gender IN ('', 'nam', 'nu', 'khac')),
    id_number        TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    address_province TEXT NOT NULL DEFAULT '',
    address_commune  TEXT NOT NULL DEFAULT '',
    address_street   TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL
);
CREATE INDEX ix_applicants_id_number ON applicants (id_number);

CREATE TABLE dossiers (
    id                  TEXT PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    procedure_id        INTEGER NOT NULL REFERENCES procedures (id),
    applicant_id        TEXT NOT NULL REFERENCES applicants (id),
    status              INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
    channel             INTEGER NOT NULL DEFAULT 1 CHECK (channel IN (1, 2, 3)),
    received_at         DATETIME NOT NULL,
    appointment_at      DATETIME,
    printed_appointment_at DATETIME,
    finished_at         DATETIME,
    returned_at         DATETIME,
    sets_count          INTEGER NOT NULL DEFAULT 1 CHECK (sets_count >= 1),
    delivery            TEXT NOT NULL DEFAULT 'counter' CHECK (delivery IN ('counter', 'post')),
    delivery_address    TEXT NOT NULL DEFAULT '',
    fee_collected       INTEGER NOT NULL DEFAULT 0 CHECK (fee_collected >= 0),
    fee_note            TEXT NOT NULL DEFAULT '',
    submitter_name      TEXT NOT NULL DEFAULT '',
    submitter_id_number TEXT NOT NULL DEFAULT '',
    authorisation_note  TEXT NOT NULL DEFAULT '',
    name_fold           TEXT NOT NULL,
    id_number           TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    clerk_id            TEXT REFERENCES users (id),
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX ix_dossiers_status_appointment ON dossiers (status, appointment_at);
CREATE INDEX ix_dossiers_received_at ON dossiers (received_at);
CREATE INDEX ix_dossiers_appointment_at ON dossiers (appointment_at);
CREATE INDEX ix_dossiers_name_fold ON dossiers (name_fold);
CREATE INDEX ix_dossiers_id_number ON dossiers (id_number);
CREATE INDEX ix_dossiers_phone ON dossiers (phone);
CREATE INDEX ix_dossiers_procedure ON dossiers (procedure_id, received_at);

CREATE TABLE dossier_documents (
    id               INTEGER PRIMARY KEY,
    dossier_id       TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    name             TEXT NOT NULL,
    originals        INTEGER NOT NULL DEFAULT 0,
    certified_copies INTEGER NOT NULL DEFAULT 0,
    copies           INTEGER NOT NULL DEFAULT 0,
    received         BOOLEAN NOT NULL DEFAULT 1,
    UNIQUE (dossier_id, position)
);

CREATE TABLE dossier_events (
    id            TEXT PRIMARY KEY,
    dossier_id    TEXT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    status_from   INTEGER,
    status_to     INTEGER,
    at            DATETIME NOT NULL,
    user_id       TEXT REFERENCES users (id),
    note          TEXT NOT NULL DEFAULT '',
    step_deadline DATETIME,
    payload       TEXT NOT NULL DEFAULT '{}',
    UNIQUE (dossier_id, seq)
);
CREATE INDEX ix_dossier_events_at ON dossier_events (at);

-- Per-agency, per-day sequence of dossier codes (the NNNN part), taken in the save transaction.
CREATE TABLE code_sequences (
    agency_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    slot        INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day, slot)
);
