-- 0006: indexes for the supervisor's dashboard and periodic report (issue 7), each used by one kind of
-- figure so that a refresh on a million dossiers reads index pages, never the whole table:
--
-- * finished dossiers by the time their result was ready, with what classifies them (trước / đúng /
--   quá hạn) and groups them (procedure, clerk). Partial: a dossier is written here only once it is
--   finished, so an intake writes nothing to it.
CREATE INDEX ix_dossiers_finished
    ON dossiers (finished_at, appointment_at, procedure_id, clerk_id)
    WHERE finished_at IS NOT NULL;
-- * the periodic report (Mẫu 06): every column it needs, in the order of its per-procedure and
--   per-clerk breakdowns, so that a year is one pass over the index without a sort.
CREATE INDEX ix_dossiers_report
    ON dossiers (procedure_id, clerk_id, channel, received_at, finished_at, appointment_at, status);
-- * dossiers received online or by post (direct ones are the received total minus these). Partial:
--   a counter's direct intakes write nothing to it. Queries must say `channel <> 1` literally.
CREATE INDEX ix_dossiers_remote
    ON dossiers (received_at, channel)
    WHERE channel <> 1;
