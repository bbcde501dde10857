package io.drivebus.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Issue 7.5's malformed-input corpus: for every consumed topic, bad records and what each consumer must make of
 * them. Each entry names the consumers that must dead-letter it (exactly once each, with a {@code dead-letter-reason}
 * containing {@link Entry#reason}) and/or the typed denial the reservation-service must answer it with (exactly once,
 * correlated by the envelope id). Values are unique per entry (they carry the entry's name, or a unique key for null
 * and empty values), so a dead-letter record is matched to its entry by key and value.
 *
 * <p>Who consumes what: requests — reservation-service; device.status and device.events — reservation-service and
 * inventory-service; reservation.events — inventory-service (and clients, which skip what they cannot read);
 * device.commands — the device-agent of the key's host.
 */
final class MalformedCorpus {
    static final String RS = "reservation-service";
    static final String INV = "drivebus-inventory";
    static final String SOURCE = "malformed-corpus";
    /**
     * A record of this many bytes is far beyond any message yet under the broker's default 1 MiB limit, and under the
     * bound above which dead-letter copies are cut down (MalformedInputIT's last test sends one at the broker's limit).
     */
    static final int LARGE_BYTES = 900_000;

    private static final MessageCodec CODEC = MessageCodec.get();
    private static final ObjectMapper JSON = CODEC.mapper();

    /**
     * @param deadLetteredBy the consumer names ({@code dead-letter-consumer}) that must dead-letter it, each exactly once
     * @param reason what the {@code dead-letter-reason} must contain (case-insensitive)
     * @param denied the typed denial the reservation-service must answer it with, or null
     * @param envelopeId the id a denial correlates with (null for records without a readable envelope)
     */
    record Entry(String name, String topic, String key, byte[] value, List<String> deadLetteredBy, String reason, ErrorReason denied,
            String envelopeId) {
        @Override
        public String toString() {
            return topic + "/" + name;
        }
    }

    final String library;
    final String host;
    final String agentConsumer;
    final List<Entry> entries = new ArrayList<>();

    MalformedCorpus(String library, String host) {
        this.library = library;
        this.host = host;
        this.agentConsumer = "drivebus-agent-" + host;
        for (String topic : topics(host)) {
            garbage(topic);
            schemaViolations(topic);
        }
        semantic();
    }

    /** Every topic the corpus covers: the shared ones and {@code host}'s own command topic. */
    static List<String> topics(String host) {
        List<String> all = new ArrayList<>(Topics.ALL);
        all.add(Topics.deviceCommands(host));
        return all;
    }

    /** The topic's kind: a host's command topic is of kind DEVICE_COMMANDS. */
    static String kind(String topic) {
        return isCommands(topic) ? Topics.DEVICE_COMMANDS : topic;
    }

    static boolean isCommands(String topic) {
        return Topics.hostOfCommands(topic) != null;
    }

    /** Who must dead-letter an undecodable record of {@code topic}. */
    List<String> consumersOf(String topic) {
        return switch (kind(topic)) {
            case Topics.RESERVATION_REQUESTS -> List.of(RS);
            case Topics.DEVICE_STATUS, Topics.DEVICE_EVENTS -> List.of(RS, INV);
            case Topics.RESERVATION_EVENTS -> List.of(INV);
            case Topics.DEVICE_COMMANDS -> List.of(agentConsumer);
            default -> throw new IllegalArgumentException(topic);
        };
    }

    /** The key a record must carry to reach the consumer's checks (the agent ignores other hosts' keys). */
    String keyFor(String topic, String name) {
        return isCommands(topic) ? host : "corpus-" + name;
    }

    private void garbage(String topic) {
        List<String> by = consumersOf(topic);
        add("not-json", topic, keyFor(topic, "not-json"), bytes("this is not JSON: " + topic + "/not-json {"), by, "not JSON", null, null);
        add("json-array", topic, keyFor(topic, "json-array"), bytes("[\"" + topic + "/json-array\", 1, 2]"), by, "not a JSON object", null,
                null);
        add("json-string", topic, keyFor(topic, "json-string"), bytes("\"" + topic + "/json-string\""), by, "not a JSON object", null, null);
        add("empty-value", topic, keyFor(topic, "empty-value"), new byte[0], by, "JSON", null, null);
        // a null value on the compacted status topic is a delete marker: the inventory drops the library (none here)
        List<String> nullBy = topic.equals(Topics.DEVICE_STATUS) ? List.of(RS) : by;
        add("null-value", topic, keyFor(topic, "null-value"), null, nullBy, "null value", null, null);
        // oversized for a message, just under the broker's own 1 MiB bound: a huge not-JSON value
        String big = "x".repeat(LARGE_BYTES);
        add("oversized-not-json", topic, keyFor(topic, "oversized"), bytes(topic + "/oversized " + big), by, "not JSON", null, null);
        // a huge field inside an otherwise valid message: the schema's bounds
        ObjectNode huge = tree(valid(topic, "oversized-field"));
        huge.put("source", "s".repeat(LARGE_BYTES));
        add("oversized-field", topic, validKey(topic), bytes(huge), by, "violates its schema", null, null);
    }

    private void schemaViolations(String topic) {
        List<String> by = consumersOf(topic);
        String key = validKey(topic);
        add("missing-type", topic, key, mutate(valid(topic, "missing-type"), t -> t.remove("type")), by, "$.type", null, null);
        add("unknown-type", topic, key, mutate(valid(topic, "unknown-type"), t -> t.put("type", "teleport")), by, "unknown message type",
                null, null);
        add("missing-id", topic, key, mutate(valid(topic, "missing-id"), t -> t.remove("id")), by, "violates its schema", null, null);
        add("missing-library", topic, key, mutate(valid(topic, "missing-library"), t -> ((ObjectNode) t.get("payload")).remove("library")),
                by, "library", null, null);
        add("wrong-schema-version", topic, key, mutate(valid(topic, "wrong-schema-version"), t -> t.put("schemaVersion", 99)), by,
                "violates its schema", null, null);
        add("bad-timestamp", topic, key, mutate(valid(topic, "bad-timestamp"), t -> t.put("occurredAt", "yesterday")), by,
                "'yesterday'", null, null);
        add("unknown-field", topic, key, mutate(valid(topic, "unknown-field"), t -> ((ObjectNode) t.get("payload")).put("color", "red")), by,
                "violates its schema", null, null);
        add("wrong-field-type", topic, key, mutate(valid(topic, "wrong-field-type"), t -> wrongType(topic, (ObjectNode) t.get("payload"))),
                by, "violates its schema", null, null);
        add("payload-not-object", topic, key, mutate(valid(topic, "payload-not-object"), t -> t.put("payload", "reserve me")), by,
                "violates its schema", null, null);
        // a valid message of another topic's type
        Envelope<?> foreign = topic.equals(Topics.RESERVATION_REQUESTS) ? valid(Topics.DEVICE_STATUS, "foreign-type")
                : valid(Topics.RESERVATION_REQUESTS, "foreign-type");
        String foreignKey = isCommands(topic) ? host : foreign.payload().library();
        add("foreign-type", topic, foreignKey, CODEC.encode(foreign), by, "does not belong", null, null);
        // a valid message whose key is not what its payload names
        if (isCommands(topic)) {
            Envelope<?> other = Envelope.of(id("wrong-host"), Instant.now(), SOURCE, null,
                    DeviceCommand.load(library, "other-host", "d0", 1, 1, null, null));
            add("payload-host-not-key", topic, host, CODEC.encode(other), by, "keyed", null, null);
        } else {
            add("key-not-library", topic, "corpus-wrong-key", CODEC.encode(valid(topic, "key-not-library")), by, "record key", null, null);
            if (!topic.equals(Topics.DEVICE_STATUS)) { // a compacted topic refuses records without a key
                add("null-key", topic, null, CODEC.encode(valid(topic, "null-key")), by, "record key", null, null);
            }
        }
    }

    /** Well-formed requests that are wrong: each is answered with its typed denial (and nothing else, unless said). */
    private void semantic() {
        String rq = Topics.RESERVATION_REQUESTS;
        Owner owner = new Owner("corpus-job", "corpus-site");
        // unknown library: no agent reported it, so it is denied notfound and also dead-lettered with the reason
        Envelope<?> noLib = Envelope.of(id("unknown-library"), Instant.now(), SOURCE, null, ReserveRequest.bySlot("no-such-lib", owner, 1));
        add("unknown-library", rq, "no-such-lib", CODEC.encode(noLib), List.of(RS), "unknown library", ErrorReason.notfound, noLib.id());
        deny("unknown-slot", ReserveRequest.bySlot(library, owner, 9_999), ErrorReason.invalid);
        deny("unknown-label", ReserveRequest.byLabel(library, owner, "NO-SUCH-LABEL"), ErrorReason.notfound);
        deny("unknown-drive", new ChangerRequest(library, owner, ChangerOp.eject, "no-such-drive", null, null, null), ErrorReason.notfound);
        deny("release-unknown-reservation", new ReleaseRequest(library, "no-such-reservation", owner, null), ErrorReason.notfound);
        deny("renew-unknown-reservation", new RenewRequest(library, "no-such-reservation", owner, 60_000L), ErrorReason.notfound);
        // two ways of naming the volume at once: the contract forbids it
        add("two-volume-selectors", rq, library, mutate(Envelope.of(id("two-volume-selectors"), Instant.now(), SOURCE, null,
                ReserveRequest.bySlot(library, owner, 1)), t -> ((ObjectNode) t.get("payload")).put("label", "DEMO001")), List.of(RS),
                "violates its schema", null, null);
        // a valid event the database cannot store (PostgreSQL refuses NUL in text): dead-lettered after the retries
        Envelope<?> nul = Envelope.of(id("event-nul-owner"), Instant.now(), SOURCE, null, new io.drivebus.schemas.reservation.ReservationGranted(
                "corpus-lib", id("nul-reservation"), new Owner("nul\u0000owner", "corpus-site"), null, "d0", "corpus-host", null, null, null, 1,
                Instant.now().plusSeconds(60), false));
        add("event-nul-owner", Topics.RESERVATION_EVENTS, "corpus-lib", CODEC.encode(nul), List.of(INV), "projection failed", null, nul.id());

        // a command for a library this host does not serve: dead-lettered, and answered with a refused result
        Envelope<?> noLibCmd = Envelope.of(id("command-unknown-library"), Instant.now(), SOURCE, null,
                DeviceCommand.load("no-such-lib", host, "d0", 1, 1, null, null));
        add("command-unknown-library", Topics.deviceCommands(host), host, CODEC.encode(noLibCmd), List.of(agentConsumer), "not served", null,
                noLibCmd.id());
        // a command result of a library no agent reported: the reservation-service has no such library
        Envelope<?> noLibResult = Envelope.of(id("result-unknown-library"), Instant.now(), SOURCE, "no-such-command",
                new DeviceCommandResult("no-such-lib", "no-such-command", host, "d0", DeviceAction.load, 1, CommandOutcome.done, null, 1,
                        "NOPE01", null, null));
        add("result-unknown-library", Topics.DEVICE_EVENTS, "no-such-lib", CODEC.encode(noLibResult), List.of(RS), "unknown library", null,
                noLibResult.id());
    }

    private void deny(String name, io.drivebus.schemas.reservation.ReservationRequest request, ErrorReason reason) {
        Envelope<?> e = Envelope.of(id(name), Instant.now(), SOURCE, null, request);
        add(name, Topics.RESERVATION_REQUESTS, library, CODEC.encode(e), List.of(), null, reason, e.id());
    }

    private void add(String name, String topic, String key, byte[] value, List<String> by, String reason, ErrorReason denied, String id) {
        entries.add(new Entry(name, topic, key, value, by, reason, denied, id));
    }

    /** The key a valid message of {@code topic} carries. */
    String validKey(String topic) {
        return isCommands(topic) ? host : "corpus-lib";
    }

    /** A valid message for {@code topic}, about the scratch library corpus-lib (or this host), its id naming the entry. */
    Envelope<?> valid(String topic, String name) {
        Payload p = switch (kind(topic)) {
            case Topics.RESERVATION_REQUESTS -> ReserveRequest.bySlot("corpus-lib", new Owner("corpus-job", "corpus-site"), 1);
            case Topics.DEVICE_STATUS -> status("corpus-lib", 1, 3);
            case Topics.DEVICE_EVENTS -> new DeviceCommandResult("corpus-lib", "corpus-command", "corpus-host", "d0", DeviceAction.load, 1,
                    CommandOutcome.failed, DrivebusError.failed(ErrorReason.device, "corpus"), 1, null, null, null);
            case Topics.RESERVATION_EVENTS -> new ReservationReleased("corpus-lib", "corpus-reservation", new Owner("corpus-job", "corpus-site"),
                    "d0", 1);
            case Topics.DEVICE_COMMANDS -> DeviceCommand.load(library, host, "d0", 0, 1, null, null);
            default -> throw new IllegalArgumentException(topic);
        };
        return Envelope.of(id(name), Instant.now(), SOURCE, null, p);
    }

    static LibraryStatus status(String library, long sequence, int slots) {
        return new LibraryStatus(library, "corpus-host", "vtape", "corpus", false,
                List.of(new DriveStatus("d0", "/dev/null", DriveState.empty, null, null, null, null, null, 0)),
                IntStream.rangeClosed(1, slots).mapToObj(n -> new SlotStatus(n, SlotState.FULL, String.format("CORP%02d", n), null, false))
                        .toList(),
                sequence, 3_600_000L);
    }

    private static void wrongType(String topic, ObjectNode payload) {
        switch (kind(topic)) {
            case Topics.RESERVATION_REQUESTS -> payload.put("slot", "three");
            case Topics.DEVICE_STATUS -> payload.put("sequence", "latest");
            case Topics.DEVICE_EVENTS, Topics.RESERVATION_EVENTS, Topics.DEVICE_COMMANDS -> payload.put("token", "high");
            default -> throw new IllegalArgumentException(topic);
        }
    }

    static String id(String name) {
        return name + "-" + UUID.randomUUID();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(ObjectNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode tree(Envelope<?> e) {
        try {
            return (ObjectNode) JSON.readTree(CODEC.encode(e));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] mutate(Envelope<?> e, Consumer<ObjectNode> change) {
        ObjectNode t = tree(e);
        change.accept(t);
        return bytes(t);
    }

    /** Entry counts per topic, for the log. */
    Map<String, Long> countByTopic() {
        return entries.stream().collect(java.util.stream.Collectors.groupingBy(Entry::topic, java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
    }
}
