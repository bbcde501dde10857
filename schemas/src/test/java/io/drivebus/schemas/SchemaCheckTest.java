package io.drivebus.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.Relative;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.SetMember;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The quick check must never pass what the full validator refuses (else an invalid request would be sent, or a
 * malformed answer accepted), and must pass the ordinary messages (else it saves nothing). Checked on every message the
 * client sends or reads and on thousands of mutations of them, against MessageCodec's own validation.
 */
class SchemaCheckTest {

    static final Owner O = new Owner("job-42", "backup1.example");
    static final Instant AT = Instant.parse("2026-11-21T10:15:30.123Z");
    static final MessageCodec CODEC = MessageCodec.get();
    static final ObjectMapper MAPPER = CODEC.mapper();
    static final SchemaCheck CHECK = new SchemaCheck(MAPPER);

    /** The client's messages in their common shapes, then one fully populated example of every message type. */
    static List<Payload> samples() {
        List<Payload> all = new ArrayList<>(clientSamples());
        for (MessageType t : MessageType.values()) {
            all.add(Examples.of(t));
        }
        return all;
    }

    private static List<Payload> clientSamples() {
        return List.of(
                ReserveRequest.bySlot("demo", O, 3),
                ReserveRequest.byLabel("lib.1", O, "DEMO003"),
                new ReserveRequest("lib1", O, "nightly", null, null, Relative.next, List.of(1, 2), true, AccessMode.append,
                        "LTO-8", "Full", List.of("lib2", "lib3"), 10, 60_000L, 300_000L),
                new ReleaseRequest("lib1", "r-1", O, true),
                new RenewRequest("lib1", "r-1", O, 300_000L),
                new CancelRequest("lib1", "req-1", O),
                new ChangerRequest("lib1", O, ChangerOp.move, "d0", "3=VOL003", 3, 4),
                new ChangerRequest("lib1", O, ChangerOp.update, null, "1-3,9", null, null),
                new ReserveSetRequest("lib1", O, "copy-7", List.of(new DeviceWant(null, "VOL003", AccessMode.read, "LTO-8", null),
                        new DeviceWant(null, null, AccessMode.append, "LTO-8", "Copy")), 10, 60_000L, 300_000L),
                new ReservationQueued("lib1", O, 2),
                new ReservationGranted("lib1", "r-1", O, "nightly", "d0", "host1", "/dev/nst0", 3, "VOL003", 7, AT, true),
                new ReservationGranted("demo", "5f0c", O, null, "d0", "h", null, null, null, 0, Instant.parse("2026-11-21T07:05:00Z"), false),
                new ReservationReady("lib1", "r-1", O, "d0", "/dev/nst0", 3, "VOL003", "VOL003L8", 7, AT),
                new ReservationDenied("lib1", null, O, DrivebusError.volumeInUse(3, "d0", O, "r-0", "slot 3 is in use")),
                new ReservationDenied("lib1", "r-1", O, DrivebusError.failed(ErrorReason.notfound, "no such reservation")),
                new ReservationReleased("lib1", "r-1", O, "d0", 7),
                new ReservationCancelled("lib1", O),
                new LeaseRenewed("lib1", "r-1", O, AT),
                new ReservationSetReady("lib1", "req-1", O, List.of(new SetMember("req-1/0", "d0", "/dev/nst0", 3, "VOL003", 7,
                        AccessMode.read)), AT),
                new ChangerResult("lib1", O, ChangerOp.info, 1, 10, "drivebus vtape", true, List.of(3, 4), "d0"));
    }

    static ObjectNode tree(Payload p) {
        Envelope<?> e = new Envelope<>("00000000-0000-0000-0000-000000000001", MessageType.of(p.getClass()).typeName(), 1, AT, "test",
                "req-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", p);
        return MAPPER.valueToTree(e);
    }

    @Test
    void passesTheOrdinaryMessages() {
        for (Payload p : samples()) {
            MessageType t = MessageType.of(p.getClass());
            ObjectNode tree = tree(p);
            assertEquals(Set.of(), CODEC.validate(t, tree), "sample " + tree);
            assertEquals(SchemaCheck.Verdict.VALID, CHECK.check(t, tree), "not passed quickly: " + tree);
            // as it arrives: parsed from bytes, not built from records
            ObjectNode parsed = (ObjectNode) read(tree.toString());
            assertEquals(SchemaCheck.Verdict.VALID, CHECK.check(t, parsed), "not passed quickly: " + tree);
        }
    }

    @Test
    void neverPassesWhatTheValidatorRefuses() {
        int refused = 0;
        int total = 0;
        for (Payload p : samples()) {
            MessageType t = MessageType.of(p.getClass());
            for (JsonNode m : mutations(tree(p))) {
                total++;
                Set<String> errors = CODEC.validate(t, m);
                if (!errors.isEmpty()) {
                    refused++;
                    assertTrue(CHECK.check(t, m) != SchemaCheck.Verdict.VALID, "passed quickly, but " + errors + ": " + m);
                }
                // and the same for every other type: a message under the wrong type name
                for (MessageType other : List.of(MessageType.GRANTED, MessageType.RESERVE, MessageType.READY)) {
                    if (!CODEC.validate(other, m).isEmpty()) {
                        assertTrue(CHECK.check(other, m) != SchemaCheck.Verdict.VALID, other + " passed quickly: " + m);
                    }
                }
            }
        }
        assertTrue(refused > 1000, refused + " of " + total + " mutations refused: too few to tell");
    }

    @Test
    void theCodecPassesOrdinaryMessagesWithoutTheFullValidatorAndRefusesOthersWithItsMessage() {
        MessageCodec codec = new MessageCodec();
        for (Payload p : samples()) {
            Envelope<?> e = Envelope.of("test", "req-1", p);
            byte[] bytes = codec.encode(e);
            assertEquals(e, codec.decode(bytes), p.toString());
            assertNull(codec.decode(bytes, id -> false));
        }
        assertEquals(0, codec.compiledSchemas(), "an ordinary message went to the full validator");
        // refused with the full validator's message
        Envelope<?> bad = Envelope.of("test", null, ReserveRequest.bySlot("not a library id", O, 1));
        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> codec.encode(bad));
        assertTrue(e.getMessage().startsWith("reserve violates its schema"), e.getMessage());
        ObjectNode granted = tree(samples().get(10));
        ((ObjectNode) granted.get("payload")).remove("token");
        byte[] malformed = granted.toString().getBytes(StandardCharsets.UTF_8);
        InvalidMessageException d = assertThrows(InvalidMessageException.class, () -> codec.decode(malformed, id -> true));
        assertTrue(d.getMessage().startsWith("granted violates its schema"), d.getMessage());
        assertNull(codec.decode(malformed, id -> false), "another client's answer is not checked");
        assertThrows(InvalidMessageException.class, () -> codec.decode("{]".getBytes(StandardCharsets.UTF_8), id -> true));
        assertThrows(InvalidMessageException.class, () -> codec.decode("{\"type\":\"nonsense\"}".getBytes(StandardCharsets.UTF_8), id -> true));
    }

    /** Every field removed, every value replaced by a range of odd values, an extra field in every object. */
    static List<JsonNode> mutations(ObjectNode root) {
        List<JsonNode> out = new ArrayList<>();
        List<JsonNode> odd = List.of(JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.textNode(""),
                JsonNodeFactory.instance.textNode("x"), JsonNodeFactory.instance.textNode("a b"),
                JsonNodeFactory.instance.textNode("lib1\n"), JsonNodeFactory.instance.textNode("l\u00e9b"),
                JsonNodeFactory.instance.textNode("\ud83d\udcbe".repeat(40)), JsonNodeFactory.instance.textNode("x".repeat(65)),
                JsonNodeFactory.instance.textNode("x".repeat(300)), JsonNodeFactory.instance.textNode("2026-02-30T10:00:00Z"),
                JsonNodeFactory.instance.textNode("2026-11-21T24:00:00Z"), JsonNodeFactory.instance.textNode("2026-11-21 10:00:00"),
                JsonNodeFactory.instance.textNode("2026-11-21T10:00:00+01:00"), JsonNodeFactory.instance.textNode("read"),
                JsonNodeFactory.instance.textNode("current"), JsonNodeFactory.instance.textNode("3=X,Y"),
                JsonNodeFactory.instance.textNode("1-"), JsonNodeFactory.instance.numberNode(0), JsonNodeFactory.instance.numberNode(-1),
                JsonNodeFactory.instance.numberNode(1), JsonNodeFactory.instance.numberNode(100001),
                JsonNodeFactory.instance.numberNode(604800001L), JsonNodeFactory.instance.numberNode(1.5),
                JsonNodeFactory.instance.numberNode(3.0), JsonNodeFactory.instance.numberNode(2),
                JsonNodeFactory.instance.booleanNode(true), JsonNodeFactory.instance.arrayNode(),
                JsonNodeFactory.instance.arrayNode().add(0), JsonNodeFactory.instance.objectNode());
        List<String> paths = new ArrayList<>();
        collect(root, "", paths);
        for (String path : paths) {
            int slash = path.lastIndexOf('/');
            String parentPath = path.substring(0, slash);
            String key = path.substring(slash + 1);
            ObjectNode copy = root.deepCopy();
            JsonNode parent = copy.at(parentPath);
            if (parent.isObject()) {
                ((ObjectNode) parent).remove(key);
                out.add(copy);
            }
            for (JsonNode v : odd) {
                ObjectNode c = root.deepCopy();
                JsonNode pa = c.at(parentPath);
                if (pa.isObject()) {
                    ((ObjectNode) pa).set(key, v);
                } else if (pa.isArray()) {
                    ((ArrayNode) pa).set(Integer.parseInt(key), v);
                }
                out.add(c);
            }
        }
        for (String path : objectPaths(root)) {
            ObjectNode c = root.deepCopy();
            ((ObjectNode) c.at(path)).put("extra", 1);
            out.add(c);
        }
        // both a slot and a label, or a slot and a relative
        ObjectNode c = root.deepCopy();
        if (c.path("payload").isObject()) {
            ((ObjectNode) c.get("payload")).put("slot", 3).put("label", "X");
            out.add(c);
            ObjectNode d = root.deepCopy();
            ((ObjectNode) d.get("payload")).put("slot", 3).put("relative", "next");
            out.add(d);
        }
        return out;
    }

    private static void collect(JsonNode n, String at, List<String> paths) {
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                paths.add(at + "/" + k);
                collect(n.get(k), at + "/" + k, paths);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                paths.add(at + "/" + i);
                collect(n.get(i), at + "/" + i, paths);
            }
        }
    }

    private static List<String> objectPaths(JsonNode root) {
        List<String> paths = new ArrayList<>();
        paths.add("");
        List<String> all = new ArrayList<>();
        collect(root, "", all);
        for (String p : all) {
            if (root.at(p).isObject()) {
                paths.add(p);
            }
        }
        return paths;
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
