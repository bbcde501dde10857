-- A grant withdrawn before it was ready (a client that gave up cancels) ends as 'cancelled'.
ALTER TABLE reservation DROP CONSTRAINT reservation_state_check;
ALTER TABLE reservation ADD CONSTRAINT reservation_state_check
    CHECK (state IN ('granted', 'ready', 'released', 'expired', 'broken', 'denied', 'cancelled'));
