-- Amanda's `info` and current slot, as the reservation-service's changer results tell them. changer_at is the time
-- of the result they come from: an older (late, replayed) result never overwrites them.
ALTER TABLE library ADD COLUMN current_slot integer;
ALTER TABLE library ADD COLUMN num_slots integer;
ALTER TABLE library ADD COLUMN changer_at timestamp with time zone;

-- Labels operators recorded (`update N=LABEL`; an empty label: the operator forgot the slot's label). A changer result
-- lists them all, so the library's rows are replaced as a whole. Kept apart from slot: the agent's status replaces
-- slot rows, and the operator's word stands over the agent's until a rescan drops it from the list.
CREATE TABLE recorded_label (
    library_id varchar NOT NULL REFERENCES library (id) ON DELETE CASCADE,
    slot       integer NOT NULL,
    label      varchar NOT NULL,
    PRIMARY KEY (library_id, slot)
);
CREATE INDEX recorded_label_label_idx ON recorded_label (label) WHERE label <> '';

-- What each history entry touched (a drive, a volume by label or barcode, a job), so a drive's, a volume's or a
-- job's history is an index scan newest first. One event may touch several (a set's members).
CREATE TABLE event_subject (
    event_seq  bigint  NOT NULL REFERENCES event_history (id) ON DELETE CASCADE,
    event_id   varchar NOT NULL,
    library_id varchar NOT NULL,
    kind       varchar NOT NULL CHECK (kind IN ('drive', 'volume', 'job')),
    name       varchar NOT NULL,
    PRIMARY KEY (event_seq, kind, name)
);
CREATE INDEX event_subject_name_idx ON event_subject (kind, name, event_seq);
CREATE INDEX event_subject_library_idx ON event_subject (library_id, kind, name, event_seq);

-- The reservation listing's filters by job and by site, newest first.
CREATE INDEX reservation_job_created_idx ON reservation (job, created_at DESC, id) WHERE job IS NOT NULL;
CREATE INDEX reservation_site_created_idx ON reservation (owner_site, created_at DESC, id);
-- Waiting requests listed newest first.
CREATE INDEX waiter_pending_idx ON waiter (queued_at DESC, request_id) WHERE ended_at IS NULL;
