-- The inventory read model: what the agents last reported (library, drive, slot), what the reservation-service
-- decided (reservation), which events were already applied (processed_event) and what happened (event_history).
-- Text columns are unbounded varchar: the message schemas bound the lengths, and a projection must not reject
-- a valid message because a column is too narrow.

CREATE TABLE library (
    id                    varchar PRIMARY KEY,
    host                  varchar,
    driver                varchar,
    vendor                varchar,
    fast_search           boolean NOT NULL DEFAULT false,
    heartbeat_interval_ms bigint,
    -- the agent's status sequence: a status at or below it is stale and ignored
    status_sequence       bigint  NOT NULL DEFAULT -1,
    last_status_at        timestamp with time zone
);

CREATE TABLE drive (
    library_id    varchar NOT NULL REFERENCES library (id) ON DELETE CASCADE,
    drive_id      varchar NOT NULL,
    device_path   varchar,
    state         varchar NOT NULL CHECK (state IN ('empty', 'loaded', 'busy', 'error', 'offline')),
    media_type    varchar,
    label         varchar,
    barcode       varchar,
    source_slot   integer,
    error         varchar,
    highest_token bigint  NOT NULL DEFAULT 0,
    -- agent time of the status or command result this row reflects; an older one never overwrites it
    state_at      timestamp with time zone,
    PRIMARY KEY (library_id, drive_id)
);
CREATE INDEX drive_label_idx ON drive (label) WHERE label IS NOT NULL;
CREATE INDEX drive_barcode_idx ON drive (barcode) WHERE barcode IS NOT NULL;
CREATE INDEX drive_state_idx ON drive (state);

CREATE TABLE slot (
    library_id    varchar NOT NULL REFERENCES library (id) ON DELETE CASCADE,
    slot          integer NOT NULL,
    state         varchar NOT NULL CHECK (state IN ('FULL', 'EMPTY', 'UNKNOWN')),
    label         varchar,
    barcode       varchar,
    import_export boolean NOT NULL DEFAULT false,
    state_at      timestamp with time zone,
    PRIMARY KEY (library_id, slot)
);
CREATE INDEX slot_label_idx ON slot (label) WHERE label IS NOT NULL;
CREATE INDEX slot_barcode_idx ON slot (barcode) WHERE barcode IS NOT NULL;
CREATE INDEX slot_state_idx ON slot (library_id, state);

-- No foreign key to library: reservation events and device status travel on different topics, so a
-- reservation may be projected before its library's first status.
CREATE TABLE reservation (
    id               varchar PRIMARY KEY,
    library_id       varchar NOT NULL,
    owner_key        varchar,
    owner_site       varchar,
    job              varchar,
    drive_id         varchar,
    host             varchar,
    device_path      varchar,
    slot             integer,
    label            varchar,
    barcode          varchar,
    token            bigint,
    state            varchar NOT NULL CHECK (state IN ('granted', 'ready', 'released', 'expired', 'broken', 'denied')),
    lease_expires_at timestamp with time zone,
    created_at       timestamp with time zone NOT NULL,
    updated_at       timestamp with time zone NOT NULL,
    ended_at         timestamp with time zone,
    end_reason       varchar,
    -- the reserve request this reservation answers
    correlation_id   varchar
);
CREATE INDEX reservation_library_state_idx ON reservation (library_id, state);
CREATE INDEX reservation_active_idx ON reservation (library_id) WHERE state IN ('granted', 'ready');
CREATE INDEX reservation_owner_idx ON reservation (owner_key, owner_site);
CREATE INDEX reservation_label_idx ON reservation (label) WHERE label IS NOT NULL;
CREATE INDEX reservation_correlation_idx ON reservation (correlation_id);

-- Idempotence: an envelope id is applied at most once (inserted in the transaction that applies it).
CREATE TABLE processed_event (
    event_id     varchar PRIMARY KEY,
    topic        varchar NOT NULL,
    processed_at timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX processed_event_at_idx ON processed_event (processed_at);

-- What happened, per library: reservation events and device command results as received.
CREATE TABLE event_history (
    id             bigserial PRIMARY KEY,
    event_id       varchar NOT NULL,
    library_id     varchar NOT NULL,
    type           varchar NOT NULL,
    occurred_at    timestamp with time zone NOT NULL,
    reservation_id varchar,
    drive_id       varchar,
    correlation_id varchar,
    json           jsonb NOT NULL
);
CREATE INDEX event_history_library_idx ON event_history (library_id, occurred_at);
CREATE INDEX event_history_reservation_idx ON event_history (reservation_id) WHERE reservation_id IS NOT NULL;
