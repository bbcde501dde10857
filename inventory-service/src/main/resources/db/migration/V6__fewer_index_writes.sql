-- Every projected event writes a history row, and most write a reservation row too: each index on those tables is
-- paid for at every event (a reservation's state changes are never HOT updates, so each one adds an entry to every
-- index of the table), and the tables only grow. So they keep only the indexes a query uses (IndexTest shows which
-- index each query uses).

-- No query reads these since the history pages by sequence (V2: event_history_library_seq_idx) and a drive's history
-- comes from event_subject (V4).
DROP INDEX IF EXISTS event_history_library_idx;
DROP INDEX IF EXISTS event_history_drive_idx;

-- No query looks a reservation up by its request's id, and a library's reservations are listed newest first
-- (reservation_library_created_idx) or, while active, by reservation_active_idx.
DROP INDEX IF EXISTS reservation_correlation_idx;
DROP INDEX IF EXISTS reservation_library_state_idx;

-- A volume lookup asks only for active reservations: ended ones (nearly all rows, in time) need not be in these.
DROP INDEX IF EXISTS reservation_label_idx;
DROP INDEX IF EXISTS reservation_barcode_idx;
CREATE INDEX reservation_label_idx ON reservation (label) WHERE label IS NOT NULL AND state IN ('granted', 'ready');
CREATE INDEX reservation_barcode_idx ON reservation (barcode) WHERE barcode IS NOT NULL AND state IN ('granted', 'ready');
