-- The wait queue as the reservation-service reports it (queued events, correlated to the waiting request), so
-- dashboards can show who waits; a waiter ends with its request's answer (granted, denied, expired, cancelled).
CREATE TABLE waiter (
    request_id  varchar PRIMARY KEY,
    library_id  varchar NOT NULL,
    owner_key   varchar NOT NULL,
    owner_site  varchar NOT NULL,
    position    integer NOT NULL,
    queued_at   timestamp with time zone NOT NULL,
    updated_at  timestamp with time zone NOT NULL,
    ended_at    timestamp with time zone,
    end_type    varchar
);
CREATE INDEX waiter_waiting_idx ON waiter (library_id, position) WHERE ended_at IS NULL;

-- A library's history is read newest first by id.
CREATE INDEX event_history_library_seq_idx ON event_history (library_id, id);
CREATE INDEX event_history_drive_idx ON event_history (library_id, drive_id, id) WHERE drive_id IS NOT NULL;

-- A volume is looked up by label or barcode, in slots, drives and active reservations.
CREATE INDEX reservation_barcode_idx ON reservation (barcode) WHERE barcode IS NOT NULL;
-- Reservations are listed newest first, of everything or of one library.
CREATE INDEX reservation_created_idx ON reservation (created_at DESC, id);
CREATE INDEX reservation_library_created_idx ON reservation (library_id, created_at DESC, id);
