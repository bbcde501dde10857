package io.drivebus.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns messages into JSON and back, validating against the JSON Schema of their type both ways: nothing
 * that breaks the contract is sent, and nothing that breaks it is accepted. Thread-safe; share one.
 */
public final class MessageCodec {

    /** Records larger than this are refused before parsing (a sane bound for a status of thousands of slots). */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    static final String SCHEMA_BASE = "https://drivebus.io/schemas/";

    private static final MessageCodec INSTANCE = new MessageCodec();

    private final ObjectMapper mapper;
    /** Asked first: an ordinary message passes it without the full validator. */
    private final SchemaCheck quick;
    /**
     * Each type's schema is compiled when the quick check first cannot pass a message of that type, not all up
     * front: a command-line call uses two or three types, and compiling every schema was a fifth of its start-up CPU.
     */
    private final Map<MessageType, JsonSchema> schemas = new java.util.concurrent.ConcurrentHashMap<>();
    private JsonSchemaFactory factory; // guarded by this
    /**
     * Each payload type's reader, made at its first message: {@code treeToValue} looked the type and its deserializer up
     * again for every record.
     */
    private final ObjectReader[] readers = new ObjectReader[MessageType.values().length];

    /** The one shared instance is {@link #get()}; tests make their own to count what it compiles. */
    MessageCodec() {
        mapper = newObjectMapper();
        quick = new SchemaCheck(mapper);
    }

    public static MessageCodec get() {
        return INSTANCE;
    }

    /** The project's JSON conventions: ISO-8601 instants, absent rather than null fields. */
    public static ObjectMapper newObjectMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Reads these types' schema files now (e.g. on a background thread at start-up) rather than at first use. */
    public void warm(MessageType... types) {
        for (MessageType t : types) {
            quick.check(t, mapper.createObjectNode());
        }
    }

    /** The full validator's messages, or none; it is compiled and run only for what the quick check cannot pass. */
    private Set<ValidationMessage> errors(MessageType type, JsonNode tree) {
        return quick.check(type, tree) == SchemaCheck.Verdict.VALID ? Set.of() : schema(type).validate(tree);
    }

    private ObjectReader reader(MessageType t) {
        ObjectReader r = readers[t.ordinal()];
        if (r == null) {
            // a race makes two equal readers; either will do
            readers[t.ordinal()] = r = mapper.readerFor(t.payloadClass());
        }
        return r;
    }

    /** How many types' schemas the full validator has compiled (tests: ordinary messages need none). */
    int compiledSchemas() {
        return schemas.size();
    }

    private JsonSchema schema(MessageType t) {
        JsonSchema s = schemas.get(t);
        return s != null ? s : compile(t);
    }

    private synchronized JsonSchema compile(MessageType t) {
        JsonSchema s = schemas.get(t);
        if (s == null) {
            if (factory == null) {
                factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                        b -> b.schemaMappers(m -> m.mapPrefix(SCHEMA_BASE, "classpath:schemas/")));
            }
            s = factory.getSchema(SchemaLocation.of(SCHEMA_BASE + t.typeName() + ".schema.json"));
            s.initializeValidators(); // fully built before another thread can see it
            schemas.put(t, s);
        }
        return s;
    }

    public byte[] encode(Envelope<?> envelope) {
        JsonNode tree = mapper.valueToTree(envelope);
        Set<ValidationMessage> errors = errors(envelope.messageType(), tree);
        if (!errors.isEmpty()) {
            throw new InvalidMessageException(describe(envelope.type(), errors));
        }
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("cannot serialize " + envelope.type() + ": " + e.getMessage(), e);
        }
    }

    public String encodeToString(Envelope<?> envelope) {
        return new String(encode(envelope), StandardCharsets.UTF_8);
    }

    /** Parses and validates; any failure names what is wrong (the reason a dead-letter record carries). */
    public Envelope<? extends Payload> decode(byte[] bytes) {
        return decode(bytes, id -> true);
    }

    /**
     * Decodes a record only when its {@code correlationId} is {@code wanted}; else returns null without validating
     * it. A client reads every answer on its library's partition, most of them other clients': it skips those anyway,
     * so it need not pay for their validation. A wanted record is checked in full.
     *
     * @throws InvalidMessageException a wanted record (or one without a readable type) breaks its schema
     */
    public Envelope<? extends Payload> decode(byte[] bytes, java.util.function.Predicate<String> wanted) {
        if (bytes == null) {
            throw new InvalidMessageException("empty record (null value)");
        }
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new InvalidMessageException("record of " + bytes.length + " bytes exceeds " + MAX_MESSAGE_BYTES);
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidMessageException("not JSON: " + firstLine(e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidMessageException("not a JSON object");
        }
        JsonNode typeNode = tree.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new InvalidMessageException("$.type: missing or not a string");
        }
        MessageType type = MessageType.byName(typeNode.asText());
        if (type == null) {
            throw new InvalidMessageException("$.type: unknown message type '" + typeNode.asText() + "'");
        }
        JsonNode correlation = tree.get("correlationId");
        if (!wanted.test(correlation != null && correlation.isTextual() ? correlation.asText() : null)) {
            return null;
        }
        Set<ValidationMessage> errors = errors(type, tree);
        if (!errors.isEmpty()) {
            throw new InvalidMessageException(describe(type.typeName(), errors));
        }
        try {
            Payload payload = reader(type).readValue(tree.get("payload"));
            ObjectNode o = (ObjectNode) tree;
            return new Envelope<>(o.get("id").asText(), type.typeName(), o.get("schemaVersion").asInt(),
                    instant(o.get("occurredAt").asText()), o.get("source").asText(), text(o, "correlationId"),
                    text(o, "traceparent"), payload);
        } catch (IOException | RuntimeException e) {
            throw new InvalidMessageException(type.typeName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    public Envelope<? extends Payload> decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes and checks the payload is of the expected kind (e.g. a request on the requests topic). */
    @SuppressWarnings("unchecked")
    public <P extends Payload> Envelope<P> decode(byte[] bytes, Class<P> expected) {
        Envelope<? extends Payload> e = decode(bytes);
        if (!expected.isInstance(e.payload())) {
            throw new InvalidMessageException("$.type: '" + e.type() + "' does not belong here (expected " + expected.getSimpleName() + ")");
        }
        return (Envelope<P>) e;
    }

    /** Validation only, for tests and tools: the messages naming each offending field. */
    public Set<String> validate(MessageType type, JsonNode tree) {
        return schema(type).validate(tree).stream().map(ValidationMessage::getMessage).collect(Collectors.toSet());
    }

    /** The schema has checked it is a date-time; the usual UTC form is read by hand, any other by {@code Instant.parse}. */
    private static Instant instant(String text) {
        Instant at = UtcInstants.parse(text);
        return at != null ? at : Instant.parse(text);
    }

    private static String text(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String describe(String type, Set<ValidationMessage> errors) {
        return type + " violates its schema: "
                + errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; "));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
