package io.drivebus.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.MessageType;
import io.drivebus.schemas.Payload;
import java.io.IOException;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * The client's {@link MessageCodec}: the same JSON, the same outcome, without compiling the JSON Schemas for the
 * common case. A message that {@link SchemaCheck} finds valid is written or read with Jackson alone; every other one
 * (invalid, or merely unusual) goes through {@code MessageCodec}, whose full validation then refuses it with its own
 * message: a request that breaks its schema is still refused before sending ({@code invalid}), a malformed answer is
 * still never accepted.
 */
public final class FastCodec {

    private static final FastCodec INSTANCE = new FastCodec();

    private final MessageCodec codec = MessageCodec.get();
    private final ObjectMapper mapper = codec.mapper();
    private final SchemaCheck check = new SchemaCheck(mapper);

    private FastCodec() {
    }

    public static FastCodec get() {
        return INSTANCE;
    }

    /** Reads these types' schema files now (e.g. on a background thread at start-up) rather than at first use. */
    public void warm(MessageType... types) {
        for (MessageType t : types) {
            check.check(t, mapper.createObjectNode());
        }
    }

    /** As {@link MessageCodec#encode}: the bytes, or {@link InvalidMessageException} naming what breaks the schema. */
    public byte[] encode(Envelope<?> envelope) {
        JsonNode tree = mapper.valueToTree(envelope);
        if (check.check(envelope.messageType(), tree) == SchemaCheck.Verdict.VALID) {
            try {
                return mapper.writeValueAsBytes(tree);
            } catch (JsonProcessingException e) {
                // the codec reports it
            }
        }
        return codec.encode(envelope);
    }

    /** As {@link MessageCodec#decode(byte[], Predicate)}: null for a record not {@code wanted}, else checked in full. */
    public Envelope<? extends Payload> decode(byte[] bytes, Predicate<String> wanted) {
        if (bytes == null || bytes.length > MessageCodec.MAX_MESSAGE_BYTES) {
            return codec.decode(bytes, wanted);
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(bytes);
        } catch (IOException e) {
            return codec.decode(bytes, wanted);
        }
        JsonNode typeNode = tree == null ? null : tree.get("type");
        MessageType type = typeNode != null && typeNode.isTextual() && tree.isObject() ? MessageType.byName(typeNode.asText()) : null;
        if (type == null) {
            return codec.decode(bytes, wanted); // refuses it, as before
        }
        JsonNode correlation = tree.get("correlationId");
        if (!wanted.test(correlation != null && correlation.isTextual() ? correlation.asText() : null)) {
            return null; // another client's answer: not checked at all, as MessageCodec does
        }
        if (check.check(type, tree) == SchemaCheck.Verdict.VALID) {
            try {
                Payload payload = mapper.treeToValue(tree.get("payload"), type.payloadClass());
                return new Envelope<>(tree.get("id").asText(), type.typeName(), tree.get("schemaVersion").asInt(),
                        Instant.parse(tree.get("occurredAt").asText()), tree.get("source").asText(), text(tree, "correlationId"),
                        text(tree, "traceparent"), payload);
            } catch (IOException | RuntimeException e) {
                // the codec reports it
            }
        }
        return codec.decode(bytes, wanted);
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
