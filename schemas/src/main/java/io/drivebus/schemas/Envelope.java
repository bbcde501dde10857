package io.drivebus.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The envelope every message carries (DESIGN.md). {@code id} is unique per message and is what
 * consumers de-duplicate on; {@code correlationId} names the request a message answers.
 */
public record Envelope<P extends Payload>(
        String id,
        String type,
        int schemaVersion,
        Instant occurredAt,
        String source,
        String correlationId,
        String traceparent,
        P payload) {

    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(payload, "payload");
    }

    /** A new message with a fresh id; its type comes from the payload's class. */
    public static <P extends Payload> Envelope<P> of(String source, String correlationId, P payload) {
        return of(UUID.randomUUID().toString(), Instant.now(), source, correlationId, payload);
    }

    public static <P extends Payload> Envelope<P> of(String id, Instant at, String source, String correlationId, P payload) {
        MessageType t = MessageType.of(payload.getClass());
        return new Envelope<>(id, t.typeName(), t.schemaVersion(), at, source, correlationId, null, payload);
    }

    public Envelope<P> withTraceparent(String tp) {
        return new Envelope<>(id, type, schemaVersion, occurredAt, source, correlationId, tp, payload);
    }

    public MessageType messageType() {
        return MessageType.of(payload.getClass());
    }
}
