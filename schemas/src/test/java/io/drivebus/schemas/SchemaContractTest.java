package io.drivebus.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.schemas.reservation.ReservationRequest;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The Java records and the JSON Schema files describe the same messages, checked both ways. */
class SchemaContractTest {

    private final MessageCodec codec = MessageCodec.get();
    private final ObjectMapper mapper = codec.mapper();

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void validExampleRoundTrips(MessageType type) {
        Envelope<Payload> e = Examples.envelope(type);
        byte[] json = codec.encode(e);
        Envelope<? extends Payload> back = codec.decode(json);
        assertEquals(e, back);
        assertEquals(type.topic(), back.messageType().topic());
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void recordComponentsAreExactlyTheSchemaProperties(MessageType type) throws Exception {
        JsonNode payload = payloadSchema(type);
        Set<String> schemaProps = new TreeSet<>();
        payload.get("properties").fieldNames().forEachRemaining(schemaProps::add);
        Set<String> recordProps = Arrays.stream(type.payloadClass().getRecordComponents())
                .map(RecordComponent::getName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(recordProps, schemaProps, "record " + type.payloadClass().getSimpleName() + " vs " + type.schemaFile());

        Set<String> required = new HashSet<>();
        payload.get("required").forEach(n -> required.add(n.asText()));
        for (RecordComponent c : type.payloadClass().getRecordComponents()) {
            if (c.getType().isPrimitive()) {
                assertTrue(required.contains(c.getName()), c.getName() + " is primitive in the record so must be required in " + type.schemaFile());
            }
        }
        assertTrue(schemaProps.containsAll(required), "required names a property the schema lacks");
    }

    /** The records nested in payloads and their definitions in common.schema.json. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> nestedRecords() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(Owner.class, "owner"),
                org.junit.jupiter.params.provider.Arguments.of(DrivebusError.class, "error"),
                org.junit.jupiter.params.provider.Arguments.of(io.drivebus.schemas.device.DriveStatus.class, "driveStatus"),
                org.junit.jupiter.params.provider.Arguments.of(io.drivebus.schemas.device.SlotStatus.class, "slotStatus"),
                org.junit.jupiter.params.provider.Arguments.of(io.drivebus.schemas.reservation.DeviceWant.class, "deviceWant"),
                org.junit.jupiter.params.provider.Arguments.of(io.drivebus.schemas.reservation.SetMember.class, "setMember"),
                org.junit.jupiter.params.provider.Arguments.of(io.drivebus.schemas.reservation.RecordedLabel.class, "recordedLabel"));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("nestedRecords")
    void nestedRecordsAreExactlyTheirDefinitions(Class<?> record, String def) throws Exception {
        JsonNode schema;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("schemas/common.schema.json")) {
            schema = mapper.readTree(in).get("$defs").get(def);
        }
        Set<String> schemaProps = new TreeSet<>();
        schema.get("properties").fieldNames().forEachRemaining(schemaProps::add);
        Set<String> recordProps = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(recordProps, schemaProps, record.getSimpleName() + " vs common.schema.json#/$defs/" + def);
        Set<String> required = new HashSet<>();
        if (schema.has("required")) {
            schema.get("required").forEach(n -> required.add(n.asText()));
        }
        for (RecordComponent c : record.getRecordComponents()) {
            if (c.getType().isPrimitive()) {
                assertTrue(required.contains(c.getName()), c.getName() + " is primitive in " + record.getSimpleName() + " so must be required");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void missingRequiredFieldIsRejectedNamingTheField(MessageType type) throws Exception {
        for (JsonNode req : payloadSchema(type).get("required")) {
            ObjectNode tree = mapper.valueToTree(Examples.envelope(type));
            ((ObjectNode) tree.get("payload")).remove(req.asText());
            InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.decode(mapper.writeValueAsBytes(tree)));
            assertTrue(ex.getMessage().contains(req.asText()), ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void wrongTypedFieldIsRejectedNamingTheField(MessageType type) throws Exception {
        ObjectNode tree = mapper.valueToTree(Examples.envelope(type));
        ObjectNode payload = (ObjectNode) tree.get("payload");
        Iterator<String> names = payload.fieldNames();
        while (names.hasNext()) {
            String field = names.next();
            ObjectNode broken = tree.deepCopy();
            // an array is the right type for no scalar and no object, and a number is wrong for every array
            JsonNode original = payload.get(field);
            if (original.isArray()) {
                ((ObjectNode) broken.get("payload")).put(field, 12);
            } else {
                ((ObjectNode) broken.get("payload")).putArray(field).add("x");
            }
            InvalidMessageException ex = assertThrows(InvalidMessageException.class,
                    () -> codec.decode(mapper.writeValueAsBytes(broken)), type + "." + field);
            assertTrue(ex.getMessage().contains(field), ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void unknownFieldIsRejected(MessageType type) throws Exception {
        ObjectNode tree = mapper.valueToTree(Examples.envelope(type));
        ((ObjectNode) tree.get("payload")).put("slto", 3);
        InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.decode(mapper.writeValueAsBytes(tree)));
        assertTrue(ex.getMessage().contains("slto"), ex.getMessage());
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void envelopeFieldsAreRequired(MessageType type) throws Exception {
        for (String field : new String[] {"id", "type", "schemaVersion", "occurredAt", "source", "payload"}) {
            ObjectNode tree = mapper.valueToTree(Examples.envelope(type));
            tree.remove(field);
            InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.decode(mapper.writeValueAsBytes(tree)));
            assertTrue(ex.getMessage().contains(field), ex.getMessage());
        }
    }

    @Test
    void garbageIsRejectedWithAReason() {
        assertTrue(assertThrows(InvalidMessageException.class, () -> codec.decode("not json {".getBytes(StandardCharsets.UTF_8)))
                .getMessage().startsWith("not JSON"));
        assertTrue(assertThrows(InvalidMessageException.class, () -> codec.decode("[1,2]")).getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(InvalidMessageException.class, () -> codec.decode("{\"type\":\"launch-missiles\"}"))
                .getMessage().contains("unknown message type 'launch-missiles'"));
        assertTrue(assertThrows(InvalidMessageException.class, () -> codec.decode(new byte[MessageCodec.MAX_MESSAGE_BYTES + 1]))
                .getMessage().contains("exceeds"));
    }

    @Test
    void aClientDecodesOnlyTheAnswersItWantsAndChecksThoseInFull() throws Exception {
        Envelope<?> answer = Envelope.of("svc", "req-1", new io.drivebus.schemas.reservation.ReservationQueued("lib1",
                new Owner("bob", "site"), 2));
        ObjectNode broken = (ObjectNode) mapper.readTree(codec.encode(answer));
        ((ObjectNode) broken.get("payload")).put("position", "second"); // wrong type
        byte[] bytes = mapper.writeValueAsBytes(broken);
        assertEquals(null, codec.decode(bytes, id -> false), "another client's answer: skipped, not validated");
        assertTrue(assertThrows(InvalidMessageException.class, () -> codec.decode(bytes, "req-1"::equals)).getMessage()
                .contains("position"), "a wanted answer that breaks its schema is refused, not misread");
        assertEquals("req-1", codec.decode(codec.encode(answer), "req-1"::equals).correlationId());
    }

    @Test
    void reserveNamesAtMostOneTarget() throws Exception {
        ObjectNode tree = mapper.valueToTree(Examples.envelope(MessageType.RESERVE));
        ((ObjectNode) tree.get("payload")).put("label", "VOL003");
        assertThrows(InvalidMessageException.class, () -> codec.decode(mapper.writeValueAsBytes(tree)));
    }

    @Test
    void aMessageOnTheWrongTopicIsRefusedByKind() {
        byte[] status = codec.encode(Examples.envelope(MessageType.LIBRARY_STATUS));
        InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.decode(status, ReservationRequest.class));
        assertTrue(ex.getMessage().contains("does not belong here"), ex.getMessage());
    }

    @Test
    void encodingRefusesAnInvalidMessage() {
        var bad = Envelope.of("test", null, io.drivebus.schemas.reservation.ReserveRequest.bySlot("bad library id!", Examples.OWNER, 3));
        InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.encode(bad));
        assertTrue(ex.getMessage().contains("library"), ex.getMessage());
    }

    private JsonNode payloadSchema(MessageType type) throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(type.schemaFile())) {
            return mapper.readTree(in).get("$defs").get("payload");
        }
    }
}
