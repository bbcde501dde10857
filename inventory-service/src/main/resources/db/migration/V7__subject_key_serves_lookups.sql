-- An event gets three or four subject rows (its drive, volume label and barcode, job), each written to every index of
-- event_subject. The primary key now leads with what a volume's or a job's history is looked up by, so it serves those
-- lookups itself and event_subject_name_idx (the same columns) goes: one index fewer to write per row. A drive's
-- history still needs its library first (event_subject_library_idx). Nothing deletes history rows; should retention
-- ever do so, the cascade from event_history will want an index on event_seq again.
ALTER TABLE event_subject DROP CONSTRAINT event_subject_pkey;
ALTER TABLE event_subject ADD CONSTRAINT event_subject_pkey PRIMARY KEY (kind, name, event_seq);
DROP INDEX IF EXISTS event_subject_name_idx;
