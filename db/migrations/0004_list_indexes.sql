-- Indexes for the dossier list: keyset paging by (received_at, id) and (appointment_at, id), the folded
-- name search ordered newest first (covering), and the clerk filter. The single-column indexes they
-- extend are dropped so that an intake writes no more index entries than before plus the clerk one.
DROP INDEX ix_dossiers_received_at;
DROP INDEX ix_dossiers_appointment_at;
DROP INDEX ix_dossiers_name_fold;
CREATE INDEX ix_dossiers_received_id ON dossiers (received_at, id);
CREATE INDEX ix_dossiers_appointment_id ON dossiers (appointment_at, id);
CREATE INDEX ix_dossiers_name_received ON dossiers (name_fold, received_at, id);
CREATE INDEX ix_dossiers_clerk ON dossiers (clerk_id, received_at, id);
