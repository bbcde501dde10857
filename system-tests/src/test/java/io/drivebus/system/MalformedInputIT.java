package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.Reservation;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.TopicSetup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 7.5 and DESIGN.md's invariant 5 on the whole running system: every entry of the {@link MalformedCorpus} (every
 * consumed topic: not JSON, wrong types, missing fields, unknown types, libraries, drives, slots and reservations,
 * oversized, wrong and missing keys) is dead-lettered with its reason by each consumer that reads it, or answered with
 * its typed denial, exactly once; duplicated ids are decided once and out-of-order versions do not win; valid requests
 * interleaved with the corpus are each answered exactly once; reserve+release throughput right after the corpus is
 * not below half of what it was before; a record at the broker's 1 MiB limit is dead-lettered (cut down, since its copy
 * would not fit with the reason headers) and every consumer goes on; and every REST endpoint the OpenAPI document lists
 * answers bad input with a 4xx problem document, never a 5xx. Forged owners and unsigned records on the secured stack are {@link SecureStackIT}'s (answered
 * {@code unauthorized}); on this open stack a release by another owner is answered {@code unauthorized} here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MalformedInputIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final int CYCLES = Integer.getInteger("drivebus.malformed.cycles", 100);
    static final MessageCodec CODEC = MessageCodec.get();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static LocalStack stack;
    static DrivebusClient client;
    static Inventory inventory;
    static KafkaProducer<String, byte[]> producer;
    static Recorder recorder;
    static double before;

    @BeforeAll
    static void up() throws Exception {
        Path dir = Files.createTempDirectory("drivebus-malformed");
        stack = LocalStack.start(LocalStack.Options.forTests(dir), m -> System.out.println("stack: " + m));
        inventory = new Inventory(stack, WAIT);
        client = DrivebusClient.connect(ClientConfig.of(stack.bootstrap()).withSource("malformed-test"));
        inventory.awaitLibrary("demo", inv -> inv.path("slots").size() == 10);
        // the corpus' statuses come from host corpus-host, whose command topic must exist for them to be taken
        TopicSetup.ensureTopics(stack.bootstrap(), 4, Map.of(), "corpus-host");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(MessageCodec.MAX_MESSAGE_BYTES + 64 * 1024));
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        recorder = new Recorder(stack.bootstrap());
    }

    @AfterAll
    static void down() {
        if (recorder != null) {
            recorder.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void everyBadRecordIsDeadLetteredOrDeniedOnceAndNothingValidIsLostOrSlowed() throws Exception {
        cyclesPerSecond("warm-up", 20); // the first cycles load volumes and warm up every JVM: not part of the measure
        before = cyclesPerSecond("before", CYCLES);

        MalformedCorpus corpus = new MalformedCorpus("demo", stack.options().agentHost());
        System.out.println("malformed: " + corpus.entries.size() + " corpus entries " + corpus.countByTopic());
        Set<String> validIds = new HashSet<>();
        List<String> problems = new ArrayList<>();
        long t0 = System.nanoTime();
        int i = 0;
        for (MalformedCorpus.Entry e : corpus.entries) {
            send(e.topic(), e.key(), e.value());
            if (++i % 8 == 0) {
                // a valid reserve and release, in the library's order between bad records: each answered exactly once
                validIds.addAll(validCycle(i / 8 == 1));
            }
        }
        validIds.addAll(validCycle(false));
        System.out.printf("malformed: corpus sent with %d valid requests between its entries in %d ms%n", validIds.size(),
                (System.nanoTime() - t0) / 1_000_000);

        double after = cyclesPerSecond("after", CYCLES);
        System.out.printf("malformed: throughput before %.1f, right after the corpus %.1f reserve+release cycles/s%n", before, after);
        assertTrue(after >= before * 0.5, "throughput right after the corpus " + after + " fell below half of " + before);

        // every entry: its dead-letter record from each consumer that reads it, its denial, each exactly once
        for (MalformedCorpus.Entry e : corpus.entries) {
            for (String consumer : e.deadLetteredBy()) {
                recorder.await(r -> isDeadLetterOf(r, e, consumer), WAIT, "dead-letter record of " + e + " from " + consumer);
            }
            if (e.denied() != null) {
                recorder.await(r -> answers(r, e.envelopeId()), WAIT, "answer to " + e);
            }
        }
        Thread.sleep(2_000); // room for duplicates to show
        for (MalformedCorpus.Entry e : corpus.entries) {
            for (String consumer : e.deadLetteredBy()) {
                List<ConsumerRecord<String, byte[]>> dl = recorder.matching(r -> isDeadLetterOf(r, e, consumer));
                if (dl.size() != 1) {
                    problems.add(e + ": " + dl.size() + " dead-letter records from " + consumer);
                    continue;
                }
                String reason = header(dl.get(0), Topics.DLQ_REASON_HEADER);
                if (reason == null || !reason.toLowerCase().contains(e.reason().toLowerCase())) {
                    problems.add(e + ": dead-letter reason from " + consumer + " is '" + abbreviate(reason) + "', expected it to name '"
                            + e.reason() + "'");
                }
            }
            Set<String> notExpected = new TreeSet<>(Set.of(MalformedCorpus.RS, MalformedCorpus.INV, corpus.agentConsumer));
            notExpected.removeAll(e.deadLetteredBy());
            for (String consumer : notExpected) {
                int n = recorder.matching(r -> isDeadLetterOf(r, e, consumer)).size();
                if (n != 0) {
                    problems.add(e + ": unexpectedly dead-lettered " + n + " times by " + consumer);
                }
            }
            if (e.envelopeId() != null && e.topic().equals(Topics.RESERVATION_REQUESTS)) {
                List<Envelope<? extends Payload>> answers = recorder.answersTo(e.envelopeId());
                if (e.denied() == null && !answers.isEmpty()) {
                    problems.add(e + ": unexpectedly answered " + answers);
                } else if (e.denied() != null) {
                    if (answers.size() != 1) {
                        problems.add(e + ": " + answers.size() + " answers " + answers);
                    } else if (!(answers.get(0).payload() instanceof ReservationDenied d) || d.error().reason() != e.denied()) {
                        problems.add(e + ": answered " + answers.get(0).payload() + ", expected denied " + e.denied());
                    }
                }
            }
        }
        recorder.deadLetters().forEach(r -> System.out.println("malformed: dead letter " + r.topic() + " by "
                + header(r, Topics.DLQ_CONSUMER_HEADER) + ": " + abbreviate(header(r, Topics.DLQ_REASON_HEADER))));
        assertEquals(List.of(), problems);

        // the command for a library this host does not serve was also answered: a refused result
        MalformedCorpus.Entry cmd = corpus.entries.stream().filter(e -> e.name().equals("command-unknown-library")).findFirst().orElseThrow();
        ConsumerRecord<String, byte[]> refused = recorder.await(r -> r.topic().equals(Topics.DEVICE_EVENTS)
                && result(r) instanceof DeviceCommandResult res && cmd.envelopeId().equals(res.commandId()), WAIT, "refused result");
        assertEquals(CommandOutcome.refused, ((DeviceCommandResult) result(refused)).outcome());

        // nothing valid lost: every valid request between the bad ones answered exactly once, on the committed history
        assertEquals(List.of(), EventHistory.read(stack.bootstrap(), Topics.RESERVATION_EVENTS).requestsAnsweredExactlyOnce(validIds));
        assertServicesAlive();
    }

    @Test
    @Order(2)
    void aDuplicatedRequestIdIsDecidedOnce() throws Exception {
        Owner owner = new Owner("duplicate-job", "corpus-site");
        Envelope<?> reserve = Envelope.of(MalformedCorpus.id("duplicate-reserve"), Instant.now(), "malformed-test", null,
                ReserveRequest.bySlot("demo", owner, 7));
        byte[] value = CODEC.encode(reserve);
        send(Topics.RESERVATION_REQUESTS, "demo", value);
        send(Topics.RESERVATION_REQUESTS, "demo", value);
        ReservationReady ready = assertInstanceOf(ReservationReady.class,
                decodeEvent(recorder.await(r -> answers(r, reserve.id()), WAIT, "ready")).payload());
        // a resend after the answer is not decided again either
        send(Topics.RESERVATION_REQUESTS, "demo", value);
        Envelope<?> release = Envelope.of(MalformedCorpus.id("duplicate-release"), Instant.now(), "malformed-test", null,
                new ReleaseRequest("demo", ready.reservationId(), owner, null));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(release));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(release));
        recorder.await(r -> answers(r, release.id()), WAIT, "released");
        Thread.sleep(1_500);
        List<Envelope<? extends Payload>> answers = recorder.eventsCorrelatedWith(reserve.id());
        assertEquals(1, answers.stream().filter(a -> a.payload() instanceof ReservationGranted).count(), "granted once: " + answers);
        assertEquals(1, answers.stream().filter(a -> a.payload() instanceof ReservationReady).count(), "ready once: " + answers);
        assertEquals(1, recorder.eventsCorrelatedWith(release.id()).size(), "released once");
        assertTrue(recorder.eventsCorrelatedWith(release.id()).get(0).payload() instanceof ReservationReleased);

        // a denied request resent with its id: one denial
        Envelope<?> bad = Envelope.of(MalformedCorpus.id("duplicate-denied"), Instant.now(), "malformed-test", null,
                ReserveRequest.byLabel("demo", owner, "NO-SUCH-LABEL"));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(bad));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(bad));
        recorder.await(r -> answers(r, bad.id()), WAIT, "denial");
        Thread.sleep(1_000);
        assertEquals(1, recorder.answersTo(bad.id()).size());

        // a reservation event delivered twice is applied once by the inventory (its history holds it once)
        Envelope<?> granted = Envelope.of(MalformedCorpus.id("duplicate-event"), Instant.now(), "malformed-test", null,
                new ReservationGranted("demo", "corpus-dup-" + System.nanoTime(), owner, null, "d9", "corpus-host", null, null, null, 5,
                        Instant.now().plusSeconds(60), false));
        Envelope<?> ended = Envelope.of(MalformedCorpus.id("duplicate-event-end"), Instant.now(), "malformed-test", null,
                new ReservationReleased("demo", ((ReservationGranted) granted.payload()).reservationId(), owner, "d9", 5));
        send(Topics.RESERVATION_EVENTS, "demo", CODEC.encode(granted));
        send(Topics.RESERVATION_EVENTS, "demo", CODEC.encode(granted));
        send(Topics.RESERVATION_EVENTS, "demo", CODEC.encode(ended));
        // the inventory may still be catching up with the throughput runs' events on this loaded machine
        JsonNode history = new Inventory(stack, Duration.ofSeconds(90)).await("/api/libraries/demo/history?limit=1000",
                h -> count(h, granted.id()) >= 1 && count(h, ended.id()) >= 1);
        assertEquals(1, count(history, granted.id()), "applied once: " + history);
    }

    @Test
    @Order(3)
    void anOlderStatusOrEventAfterANewerOneDoesNotWin() throws Exception {
        // a scratch library: sequence 10 with 5 slots, then (late) sequence 5 with 8 slots
        String lib = "corpus-order";
        send(Topics.DEVICE_STATUS, lib, CODEC.encode(Envelope.of("corpus-status-10-" + System.nanoTime(), Instant.now(), "malformed-test",
                null, MalformedCorpus.status(lib, 10, 5))));
        inventory.awaitLibrary(lib, inv -> inv.path("slots").size() == 5);
        send(Topics.DEVICE_STATUS, lib, CODEC.encode(Envelope.of("corpus-status-5-" + System.nanoTime(), Instant.now(), "malformed-test",
                null, MalformedCorpus.status(lib, 5, 8))));
        // the reservation-service decides on sequence 10: slot 7 does not exist there
        Envelope<?> probe = Envelope.of(MalformedCorpus.id("stale-probe"), Instant.now(), "malformed-test", null,
                ReserveRequest.bySlot(lib, new Owner("stale-job", "corpus-site"), 7));
        send(Topics.RESERVATION_REQUESTS, lib, CODEC.encode(probe));
        Envelope<? extends Payload> answer = decodeEvent(recorder.await(r -> answers(r, probe.id()), WAIT, "probe answer"));
        assertTrue(answer.payload() instanceof ReservationDenied d && d.error().reason() == ErrorReason.invalid,
                "slot 7 of sequence 5 must not exist: " + answer.payload());
        Thread.sleep(1_000);
        JsonNode inv = inventory.awaitLibrary(lib, i -> i.path("slots").size() > 0);
        assertEquals(5, inv.path("slots").size(), "the stale status did not win: " + inv);
        assertEquals(10, inv.path("statusSequence").asLong(), inv.toString());

        // reservation events out of order: 'released' then a late 'granted' of the same reservation; released stays
        Owner owner = new Owner("order-job", "corpus-site");
        String rid = "corpus-order-" + System.nanoTime();
        send(Topics.RESERVATION_EVENTS, "demo", CODEC.encode(Envelope.of(MalformedCorpus.id("order-released"), Instant.now(), "malformed-test",
                null, new ReservationReleased("demo", rid, owner, "d9", 7))));
        send(Topics.RESERVATION_EVENTS, "demo", CODEC.encode(Envelope.of(MalformedCorpus.id("order-granted"), Instant.now().minusSeconds(5),
                "malformed-test", null, new ReservationGranted("demo", rid, owner, null, "d9", "corpus-host", null, null, null, 7,
                        Instant.now().plusSeconds(60), false))));
        new Inventory(stack, Duration.ofSeconds(90)).await("/api/reservations/" + rid, r -> true);
        Thread.sleep(1_000);
        JsonNode r = inventory.await("/api/reservations/" + rid, x -> true);
        assertEquals("released", r.path("state").asText(), "the late grant did not revive it: " + r);

        // a command under a token below the drive's highest (fencing): refused, and a resend of it is not run again
        Envelope<DeviceCommand> stale = Envelope.of(MalformedCorpus.id("stale-token"), Instant.now(), "malformed-test", null,
                DeviceCommand.load("demo", stack.options().agentHost(), "d0", 0, 9, null, null));
        send(Topics.deviceCommands(stack.options().agentHost()), stack.options().agentHost(), CODEC.encode(stale));
        send(Topics.deviceCommands(stack.options().agentHost()), stack.options().agentHost(), CODEC.encode(stale));
        recorder.await(x -> x.topic().equals(Topics.DEVICE_EVENTS) && result(x) instanceof DeviceCommandResult res
                && stale.id().equals(res.commandId()), WAIT, "stale command's result");
        Thread.sleep(1_500);
        List<DeviceCommandResult> results = recorder.matching(x -> x.topic().equals(Topics.DEVICE_EVENTS)
                && result(x) instanceof DeviceCommandResult res && stale.id().equals(res.commandId())).stream()
                .map(x -> (DeviceCommandResult) result(x)).toList();
        assertFalse(results.isEmpty());
        assertTrue(results.stream().allMatch(x -> x.outcome() == CommandOutcome.refused), "a stale token is refused: " + results);
        assertServicesAlive();
    }

    @Test
    @Order(4)
    void aRecordOverTheMessageBoundIsRefusedBeforeAnyConsumer() {
        // the broker's default limit (1 MiB) is below MessageCodec.MAX_MESSAGE_BYTES: such a record never reaches a consumer
        byte[] huge = new byte[MessageCodec.MAX_MESSAGE_BYTES + 1];
        Arrays.fill(huge, (byte) 'x');
        for (String topic : MalformedCorpus.topics(stack.options().agentHost())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(topic, "corpus-huge", huge)).get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof RecordTooLargeException, topic + ": " + e.getCause());
        }
    }

    @Test
    @Order(6)
    void aRecordJustUnderTheBrokersLimitIsDeadLetteredTooAndTheConsumersGoOn() throws Exception {
        // the largest record the broker takes: its dead-letter copy carries the reason headers on top
        MalformedCorpus corpus = new MalformedCorpus("demo", stack.options().agentHost());
        List<String> problems = new ArrayList<>();
        for (String topic : MalformedCorpus.topics(stack.options().agentHost())) {
            String key = corpus.keyFor(topic, "edge");
            byte[] value = null;
            for (int n = 1_048_588 - 61 - 16 - key.length(); n > 1_000_000; n -= 8) {
                byte[] v = MalformedCorpus.bytes(topic + "/edge " + "x".repeat(n - topic.length() - 6));
                try {
                    producer.send(new ProducerRecord<>(topic, key, v)).get(30, TimeUnit.SECONDS);
                    value = v;
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RecordTooLargeException)) {
                        throw e;
                    }
                }
            }
            assertNotNull(value, topic);
            System.out.println("malformed: " + topic + ": a " + value.length + "-byte record at the broker's limit");
            byte[] sent = value;
            // then a small bad record: dead-lettered too only if the consumer went on past the big one
            byte[] next = MalformedCorpus.bytes("after the edge: not JSON " + topic);
            send(topic, key, next);
            for (String consumer : corpus.consumersOf(topic)) {
                try {
                    // the copy keeps the start of the value and says it was cut down (it would not fit with its headers)
                    ConsumerRecord<String, byte[]> dl = recorder.await(r -> r.topic().equals(Topics.dlq(topic)) && Objects.equals(r.key(), key)
                            && r.value() != null && r.value().length > 0 && r.value().length <= sent.length
                            && Arrays.equals(r.value(), Arrays.copyOf(sent, r.value().length))
                            && consumer.equals(header(r, Topics.DLQ_CONSUMER_HEADER)), WAIT, "");
                    String reason = header(dl, Topics.DLQ_REASON_HEADER);
                    if (reason == null || !reason.contains("not JSON") || header(dl, "dead-letter-truncated") == null) {
                        problems.add(topic + ": dead-letter record from " + consumer + " with reason '" + abbreviate(reason)
                                + "' and truncation note '" + header(dl, "dead-letter-truncated") + "'");
                    }
                    recorder.await(r -> r.topic().equals(Topics.dlq(topic)) && Arrays.equals(r.value(), next)
                            && consumer.equals(header(r, Topics.DLQ_CONSUMER_HEADER)), WAIT, "");
                } catch (AssertionError e) {
                    problems.add(topic + ": " + consumer + " did not dead-letter the record at the limit and go on within " + WAIT);
                }
            }
        }
        // and every consumer still goes on: a valid reserve and release answered, the inventory still projecting
        validCycle(false);
        assertEquals(List.of(), problems);
        assertServicesAlive();
    }

    @Test
    @Order(5)
    void everyRestEndpointAnswersBadInputWithAProblemNeverA5xx() throws Exception {
        String inv = stack.inventoryUrl();
        // the endpoints come from the service's own OpenAPI document, so a new one is in the corpus from the start
        JsonNode openapi = Inventory.JSON.readTree(call(inv, "GET", "/q/openapi?format=json", null, null, null, null).body());
        String longValue = "L".repeat(5_000);
        List<String> badTexts = List.of("no-such-thing", "%00", "a%00b", "%E2%80", "%FF%FE", longValue, "..%2F..%2Fetc", "demo%27%3B--",
                "%20");
        List<String> badNumbers = List.of("abc", "-1", "0", "1.5", "99999999999999999999", "%00", "");
        List<String> bodies = List.of("{not json", "[1,2]", "\"just a string\"", "{\"scope\":42,\"reason\":[],\"label\":{},\"slots\":7}");
        String huge = "{\"reason\":\"" + "r".repeat(11 * 1024 * 1024) + "\"}";
        List<String> auths = java.util.Arrays.asList(null, "Bearer not-a-jwt", "Bearer ", "Basic YWRtaW46YWRtaW4=");
        List<Case> cases = new ArrayList<>();
        Set<String> endpoints = new TreeSet<>();
        openapi.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            String method = op.getKey().toUpperCase();
            if (!Set.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                return;
            }
            endpoints.add(method + " " + path.getKey());
            JsonNode params = op.getValue().path("parameters");
            boolean sse = op.getValue().path("responses").toString().contains("text/event-stream");
            Map<String, String> good = new java.util.HashMap<>();
            List<JsonNode> pathParams = new ArrayList<>();
            List<JsonNode> queryParams = new ArrayList<>();
            for (JsonNode prm : params) {
                (prm.path("in").asText().equals("path") ? pathParams : queryParams).add(prm);
                good.put(prm.path("name").asText(), isNumber(prm) ? "3" : "demo");
            }
            // each path parameter bad in turn, the others plausible
            for (JsonNode prm : pathParams) {
                for (String bad : isNumber(prm) ? badNumbers : badTexts) {
                    if (bad.isEmpty()) {
                        continue;
                    }
                    Map<String, String> values = new java.util.HashMap<>(good);
                    values.put(prm.path("name").asText(), bad);
                    cases.add(new Case(method, fill(path.getKey(), values), method.equals("GET") ? null : "application/json",
                            method.equals("GET") ? null : "{}", null, sse));
                }
            }
            // each query parameter bad in turn
            for (JsonNode prm : queryParams) {
                for (String bad : isNumber(prm) || prm.path("schema").path("type").asText().equals("boolean") ? badNumbers : badTexts) {
                    cases.add(new Case(method, fill(path.getKey(), good) + "?" + prm.path("name").asText() + "=" + bad, null, null, null, sse));
                }
            }
            cases.add(new Case(method, fill(path.getKey(), good) + "?unknown-parameter=%00", null, null, null, sse));
            if (!method.equals("GET")) {
                // bodies, content types and credentials that are all wrong
                for (String auth : auths) {
                    cases.add(new Case(method, fill(path.getKey(), good), "application/json", "{\"reason\":\"corpus\",\"label\":\"X1\"}", auth, sse));
                    for (String body : bodies) {
                        cases.add(new Case(method, fill(path.getKey(), good), "application/json", body, auth, sse));
                    }
                    cases.add(new Case(method, fill(path.getKey(), good), "text/plain", "reason=corpus", auth, sse));
                    cases.add(new Case(method, fill(path.getKey(), good), "application/xml", "<reason>corpus</reason>", auth, sse));
                    cases.add(new Case(method, fill(path.getKey(), good), "application/x-www-form-urlencoded", "reason=corpus", auth, sse));
                }
                cases.add(new Case(method, fill(path.getKey(), good), "application/json", huge, "Bearer not-a-jwt", sse));
            } else {
                cases.add(new Case("DELETE", fill(path.getKey(), good), null, null, null, sse));
                cases.add(new Case("POST", fill(path.getKey(), good), "application/json", "{not json", null, sse));
            }
        }));
        assertFalse(endpoints.isEmpty(), "the OpenAPI document lists the endpoints");
        cases.add(new Case("GET", "/api/no-such-endpoint", null, null, null, false));
        cases.add(new Case("GET", "/api/libraries/%00", null, null, null, false));
        System.out.println("malformed: " + cases.size() + " bad HTTP requests against " + endpoints.size() + " endpoints " + endpoints);

        List<String> problems = new ArrayList<>();
        for (Case c : cases) {
            HttpResponse<String> r = call(inv, c.method(), c.path(), c.contentType(), c.body(), c.auth(), c.sse() ? "text/event-stream" : null);
            String what = c.method() + " " + abbreviate(c.path()) + (c.contentType() == null ? "" : " (" + c.contentType() + ")")
                    + (c.body() == null ? "" : " " + abbreviate(c.body())) + (c.auth() == null ? "" : " [" + c.auth() + "]");
            int status = r.statusCode();
            String type = r.headers().firstValue("content-type").orElse("");
            if (status == 200 && c.method().equals("GET")) {
                continue; // a harmless question with an answer, e.g. the (empty) history of a library nobody reported
            }
            if (status < 400 || status >= 500) {
                problems.add(what + ": " + status + " " + abbreviate(r.body()));
                continue;
            }
            if (!type.startsWith("application/problem+json")) {
                problems.add(what + ": " + status + " with content type '" + type + "', not application/problem+json: " + abbreviate(r.body()));
                continue;
            }
            JsonNode p = Inventory.JSON.readTree(r.body());
            if (p.path("status").asInt() != status || p.path("detail").asText("").isBlank()) {
                problems.add(what + ": problem without status or detail: " + abbreviate(r.body()));
            }
        }

        // the reservation-service and the agent serve only health and metrics: bad requests there are 4xx too
        for (String service : List.of("reservation-service", "device-agent")) {
            String base = stack.service(service).baseUrl();
            for (String[] c : List.of(new String[] {"GET", "/api/libraries"}, new String[] {"GET", "/q/health/%00"},
                    new String[] {"POST", "/api/reservations"}, new String[] {"GET", "/q/no-such-thing"}, new String[] {"GET", "/" + longValue})) {
                HttpResponse<String> r = call(base, c[0], c[1], "application/json", c[0].equals("GET") ? null : "{not json", null, null);
                if (r.statusCode() < 400 || r.statusCode() >= 500) {
                    problems.add(service + " " + c[0] + " " + abbreviate(c[1]) + ": " + r.statusCode());
                }
            }
            assertEquals(200, call(base, "GET", "/q/health/ready", null, null, null, null).statusCode(), service);
        }
        problems.forEach(p -> System.out.println("malformed: REST " + p));
        assertEquals(List.of(), problems);
        assertServicesAlive();
    }

    record Case(String method, String path, String contentType, String body, String auth, boolean sse) {
    }

    private static boolean isNumber(JsonNode param) {
        String t = param.path("schema").path("type").asText();
        return t.equals("integer") || t.equals("number");
    }

    private static String fill(String template, Map<String, String> values) {
        String p = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            p = p.replace("{" + v.getKey() + "}", v.getValue());
        }
        return p;
    }

    // ---------------------------------------------------------------- helpers

    /** Reserve+release cycles per second: two jobs, each on its own slot, {@code cycles} cycles in all. */
    private static double cyclesPerSecond(String label, int cycles) throws Exception {
        AtomicInteger left = new AtomicInteger(cycles);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int slot = 1 + w;
                Owner owner = new Owner("throughput-" + w, "corpus-site");
                jobs.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        Reservation r = client.reserve(ReserveRequest.bySlot("demo", owner, slot), WAIT);
                        client.release("demo", r.reservationId(), owner, WAIT);
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        double rate = cycles / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("malformed: %s: %d cycles at %.1f/s%n", label, cycles, rate);
        return rate;
    }

    /**
     * A valid reserve and release sent raw, so that they sit between the corpus' records in the library's partition;
     * with {@code forgedRelease}, another owner first tries to release it and is answered unauthorized.
     */
    private static List<String> validCycle(boolean forgedRelease) throws Exception {
        Owner owner = new Owner("interleaved", "corpus-site");
        Envelope<?> reserve = Envelope.of(MalformedCorpus.id("valid-reserve"), Instant.now(), "malformed-test", null,
                ReserveRequest.bySlot("demo", owner, 5));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(reserve));
        Envelope<? extends Payload> answer = decodeEvent(recorder.await(r -> answers(r, reserve.id()), WAIT, "valid reserve " + reserve.id()));
        ReservationReady ready = assertInstanceOf(ReservationReady.class, answer.payload());
        List<String> ids = new ArrayList<>(List.of(reserve.id()));
        if (forgedRelease) {
            Envelope<?> forged = Envelope.of(MalformedCorpus.id("forged-release"), Instant.now(), "malformed-test", null,
                    new ReleaseRequest("demo", ready.reservationId(), new Owner("interleaved", "other-site"), null));
            send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(forged));
            Envelope<? extends Payload> no = decodeEvent(recorder.await(r -> answers(r, forged.id()), WAIT, "forged release"));
            assertEquals(ErrorReason.unauthorized, assertInstanceOf(ReservationDenied.class, no.payload()).error().reason());
            ids.add(forged.id());
        }
        Envelope<?> release = Envelope.of(MalformedCorpus.id("valid-release"), Instant.now(), "malformed-test", null,
                new ReleaseRequest("demo", ready.reservationId(), owner, null));
        send(Topics.RESERVATION_REQUESTS, "demo", CODEC.encode(release));
        assertInstanceOf(ReservationReleased.class,
                decodeEvent(recorder.await(r -> answers(r, release.id()), WAIT, "valid release " + release.id())).payload());
        ids.add(release.id());
        return ids;
    }

    private static <T> T assertInstanceOf(Class<T> type, Object o) {
        if (!type.isInstance(o)) {
            fail("expected a " + type.getSimpleName() + ", got " + o);
        }
        return type.cast(o);
    }

    static void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    private static void assertServicesAlive() {
        for (String s : List.of("inventory-service", "reservation-service", "device-agent")) {
            assertTrue(stack.service(s).isAlive(), s + " is running; see " + stack.service(s).log());
            assertEquals(200, call(stack.service(s).baseUrl(), "GET", "/q/health/ready", null, null, null, null).statusCode(), s + " is ready");
        }
    }

    /** A dead-letter record of {@code e} written by {@code consumer}: same key and value, on the entry's topic's DLQ. */
    private static boolean isDeadLetterOf(ConsumerRecord<String, byte[]> r, MalformedCorpus.Entry e, String consumer) {
        return r.topic().equals(Topics.dlq(e.topic())) && Objects.equals(r.key(), e.key()) && Arrays.equals(r.value(), e.value())
                && consumer.equals(header(r, Topics.DLQ_CONSUMER_HEADER));
    }

    /** A final answer (ready, denied, released, renewed, cancelled, changer result) to request {@code id}. */
    private static boolean answers(ConsumerRecord<String, byte[]> r, String id) {
        if (!r.topic().equals(Topics.RESERVATION_EVENTS)) {
            return false;
        }
        Envelope<? extends Payload> e = decodeEvent(r);
        return e != null && id.equals(e.correlationId()) && isAnswer(e);
    }

    private static boolean isAnswer(Envelope<? extends Payload> e) {
        return !(e.payload() instanceof ReservationGranted) && !e.type().equals("queued");
    }

    private static Envelope<? extends Payload> decodeEvent(ConsumerRecord<String, byte[]> r) {
        try {
            return CODEC.decode(r.value());
        } catch (InvalidMessageException | NullPointerException e) {
            return null;
        }
    }

    private static Payload result(ConsumerRecord<String, byte[]> r) {
        Envelope<? extends Payload> e = decodeEvent(r);
        return e == null ? null : e.payload();
    }

    private static int count(JsonNode history, String eventId) {
        int n = 0;
        for (JsonNode h : history) {
            if (eventId.equals(h.path("eventId").asText())) {
                n++;
            }
        }
        return n;
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String abbreviate(String s) {
        return s == null ? null : s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
    }

    private static HttpResponse<String> call(String base, String method, String path, String contentType, String body, String auth,
            String accept) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            if (auth != null) {
                b.header("Authorization", auth);
            }
            if (accept != null) {
                b.header("Accept", accept);
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if ("text/event-stream".equals(accept)) {
                // a live stream: only its status and content type matter
                HttpResponse<java.io.InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                String text = r.statusCode() == 200 ? "" : new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
                r.body().close();
                return new FixedResponse(r, text);
            }
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(method + " " + abbreviate(path), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A streamed response read to a string. */
    private record FixedResponse(HttpResponse<java.io.InputStream> r, String body) implements HttpResponse<String> {
        public int statusCode() {
            return r.statusCode();
        }

        public HttpRequest request() {
            return r.request();
        }

        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        public java.net.http.HttpHeaders headers() {
            return r.headers();
        }

        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return r.sslSession();
        }

        public URI uri() {
            return r.uri();
        }

        public HttpClient.Version version() {
            return r.version();
        }
    }

    /**
     * Everything written to the dead-letter topics, the reservation events and the device events from the moment it is
     * created (committed records only), kept for the assertions.
     */
    static final class Recorder implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Recorder(String bootstrap) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = new ArrayList<>();
            List<String> topics = new ArrayList<>(List.of(Topics.RESERVATION_EVENTS, Topics.DEVICE_EVENTS));
            Topics.ALL.forEach(t -> topics.add(Topics.dlq(t)));
            topics.add(Topics.dlq(Topics.DEVICE_COMMANDS));
            for (String t : topics) {
                consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
            thread = new Thread(() -> {
                while (!stop.get()) {
                    consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                }
                consumer.close();
            }, "malformed-recorder");
            thread.setDaemon(true);
            thread.start();
        }

        ConsumerRecord<String, byte[]> await(Predicate<ConsumerRecord<String, byte[]>> match, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (match.test(r)) {
                        return r;
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            throw new AssertionError("no " + what + " within " + timeout);
        }

        List<ConsumerRecord<String, byte[]>> matching(Predicate<ConsumerRecord<String, byte[]>> match) {
            return records.stream().filter(match).toList();
        }

        List<ConsumerRecord<String, byte[]>> deadLetters() {
            return matching(r -> r.topic().endsWith(".dlq"));
        }

        /** Final answers to a request. */
        List<Envelope<? extends Payload>> answersTo(String id) {
            return eventsCorrelatedWith(id).stream().filter(MalformedInputIT::isAnswer).toList();
        }

        List<Envelope<? extends Payload>> eventsCorrelatedWith(String id) {
            List<Envelope<? extends Payload>> out = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                if (r.topic().equals(Topics.RESERVATION_EVENTS)) {
                    Envelope<? extends Payload> e = decodeEvent(r);
                    if (e != null && id.equals(e.correlationId())) {
                        out.add(e);
                    }
                }
            }
            return out;
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
