package io.drivebus.reservation.streams;

import io.drivebus.reservation.auth.Principal;
import io.drivebus.reservation.auth.Security;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.Output;
import io.drivebus.reservation.core.ReservationCore;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.DeadLetters;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.MessageSignature;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.Tick;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * The Kafka side of the single writer: decodes each record, hands it with its library's state to the
 * {@link ReservationCore}, stores the state and forwards what the core decided. Bad records go to the dead-letter
 * topic of the topic they came from, with the reason; the processor never stops on them.
 *
 * <p>Decisions are deterministic, so clients may read answers before their transaction commits: a library's
 * decisions are taken only from its requests partition (statuses and command results are first relayed there, and
 * time passes by {@link Tick} records), "now" is the record's broker timestamp, and ids derive from the record
 * ({@link RecordIds}). A replay of the partition from the last commit after an abort therefore decides the same
 * (docs/design-notes.md).
 */
final class ReservationProcessor implements Processor<String, byte[], String, byte[]> {
    private static final Logger LOG = Logger.getLogger(ReservationProcessor.class);

    private final MessageCodec codec = MessageCodec.get();
    private final ReservationCore core;
    private final Duration tickInterval;
    private final String source;
    private ProcessorContext<String, byte[]> context;
    private LibraryStates libraries;
    private SeenRequests seenRequests;

    private final Security security;
    /** Whether a host's command topic exists ({@link CommandTopics}). */
    private final Predicate<String> commandTopicExists;
    private final RecordIds ids = new RecordIds();
    /** When this task last published a tick for a library not applied yet: one tick in flight per library. */
    private final java.util.Map<String, Long> tickSent = new java.util.HashMap<>();
    /** A tick not applied within this is published again (it may have been lost with an aborted transaction). */
    static final long TICK_RESEND_MS = 1000;

    /** Each library's next lease or wait deadline, so a tick touches only the libraries that have one due. */
    private final java.util.NavigableSet<Deadline> deadlines = new java.util.TreeSet<>();
    private final java.util.Map<String, Deadline> deadlineOf = new java.util.HashMap<>();
    /** False until the first tick after init has read every library's deadline from the store. */
    private boolean deadlinesLoaded;
    static final int LIBRARY_CACHE_SIZE = 4096;

    private record Deadline(Instant at, String library) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : library.compareTo(o.library);
        }
    }

    /** Null: through the topology's sink, inside the transaction (on the topology test driver, which loops it back). */
    private final RequestsLog requestsLog;

    /** @param security null: records are not authenticated (a closed dev setup) */
    ReservationProcessor(Duration tickInterval, String source, boolean unloadOnExpiry, Security security,
            Predicate<String> commandTopicExists, RequestsLog requestsLog) {
        this.requestsLog = requestsLog;
        this.core = new ReservationCore(ids, unloadOnExpiry);
        this.commandTopicExists = commandTopicExists;
        this.security = security;
        this.tickInterval = tickInterval;
        this.source = source;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        // decoded libraries are cached per task: a new one after every (re)initialisation, which restores the stores
        this.libraries = new LibraryStates(context.getStateStore(ReservationTopology.LIBRARIES_STORE),
                context.getStateStore(ReservationTopology.SLOTS_STORE), context.getStateStore(ReservationTopology.DRIVES_STORE),
                context.getStateStore(ReservationTopology.RESERVATIONS_STORE), LIBRARY_CACHE_SIZE);
        this.seenRequests = new SeenRequests(context.getStateStore(ReservationTopology.SEEN_REQUESTS_STORE));
        forgetCached();
        context.schedule(tickInterval, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        if (!meta.topic().equals(Topics.RESERVATION_REQUESTS)) {
            relay(meta.topic(), record);
            return;
        }
        String relayedFrom = RelayedRecords.from(record.headers());
        String origin = relayedFrom == null ? meta.topic() : relayedFrom;
        if (relayedFrom != null && (!Topics.LIBRARY_KEYED.contains(relayedFrom) || relayedFrom.equals(meta.topic())
                || !RelayedRecords.relayedByUs(record.headers(), relayedFrom, record.value(), selfSecret()))) {
            deadLetter(meta.topic(), record, "names itself relayed from '" + relayedFrom + "', but this service did not relay it");
            return;
        }
        Envelope<? extends Payload> envelope = decode(origin, record);
        if (envelope == null) {
            return;
        }
        Payload payload = envelope.payload();
        if (!origin.equals(topicOf(payload))) {
            deadLetter(origin, record, "message type '" + envelope.type() + "' does not belong on " + origin);
            return;
        }
        Instant now = Instant.ofEpochMilli(record.timestamp());
        ids.begin(meta.topic(), meta.partition(), meta.offset(), record.timestamp());
        Library lib = libraries.load(record.key());
        boolean known = lib != null;
        if (lib == null) {
            lib = new Library(record.key());
        }
        if (payload instanceof Tick) {
            if (security != null && !fromSelf(record)) {
                deadLetter(origin, record, "a tick not published by this service");
            } else if (known) {
                tickSent.remove(lib.id());
                List<Output> outputs = core.onTick(lib, now);
                store(lib, false);
                send(lib, outputs, null, now);
            }
            return;
        }
        if (security != null && !authorized(origin, record, envelope, lib, now)) {
            return;
        }
        List<Output> outputs;
        if (payload instanceof ReservationRequest request) {
            // per library: a request forwarded to another library under the same id is new there
            if (seenRequests.seenBefore(lib.id() + "/" + envelope.id(), now)) {
                LOG.debugf("request %s seen before; not decided again", envelope.id());
                return;
            }
            if (!lib.isKnown()) {
                deadLetter(origin, record, "unknown library '" + lib.id() + "'");
            }
            outputs = core.onRequest(lib, envelope.id(), request, now);
        } else if (payload instanceof LibraryStatus status) {
            outputs = core.onStatus(lib, status, now);
            known = true;
        } else {
            if (!lib.isKnown()) {
                deadLetter(origin, record, "unknown library '" + lib.id() + "'");
                return;
            }
            DeviceCommandResult result = (DeviceCommandResult) payload;
            outputs = core.onDeviceResult(lib, result.commandId(), result, now);
        }
        if (known) {
            store(lib, payload instanceof LibraryStatus);
        }
        send(lib, outputs, envelope.traceparent(), now);
    }

    /**
     * A status or command result, copied onto the library's requests partition so that it takes its place in the
     * one order the library's decisions follow. What can be judged without the library's state is judged here
     * (its form, its key, whether its host can be commanded, its signature); the rest when the copy is applied.
     */
    private void relay(String topic, Record<String, byte[]> record) {
        Envelope<? extends Payload> envelope = decode(topic, record);
        if (envelope == null) {
            return;
        }
        Payload payload = envelope.payload();
        if (!topic.equals(topicOf(payload))) {
            deadLetter(topic, record, "message type '" + envelope.type() + "' does not belong on " + topic);
            return;
        }
        if (payload instanceof LibraryStatus status && !commandTopicExists.test(status.host())) {
            deadLetter(topic, record, "host '" + status.host() + "' has no command topic " + Topics.deviceCommands(status.host())
                    + " (its agent creates it at start; Kubernetes declares it per host): its libraries could not be commanded");
            return;
        }
        if (security != null) {
            try {
                MessageSignature.verify(record.headers(), record.value(), security::secretOf);
            } catch (MessageSignature.SignatureException e) {
                deadLetter(topic, record, "unauthenticated: " + e.getMessage());
                return;
            }
        }
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        RelayedRecords.mark(headers, topic, record.value(), selfSecret());
        appendToRequests(record.key(), record.value(), headers, record.timestamp());
    }

    /** The envelope, or null after dead-lettering a record that is not one or is keyed by another library. */
    private Envelope<? extends Payload> decode(String topic, Record<String, byte[]> record) {
        Envelope<? extends Payload> envelope;
        try {
            envelope = codec.decode(record.value());
        } catch (InvalidMessageException e) {
            deadLetter(topic, record, e.getMessage());
            return null;
        }
        if (record.key() == null || !record.key().equals(envelope.payload().library())) {
            deadLetter(topic, record, "record key '" + record.key() + "' does not match payload library '" + envelope.payload().library() + "'");
            return null;
        }
        return envelope;
    }

    private static String topicOf(Payload p) {
        return p instanceof LibraryStatus ? Topics.DEVICE_STATUS : p instanceof DeviceCommandResult ? Topics.DEVICE_EVENTS
                : p instanceof ReservationRequest || p instanceof Tick ? Topics.RESERVATION_REQUESTS : null;
    }

    private byte[] selfSecret() {
        return security == null ? null : security.secretOf(security.self());
    }

    private boolean fromSelf(Record<String, byte[]> record) {
        try {
            return security.self().equals(MessageSignature.verify(record.headers(), record.value(), security::secretOf));
        } catch (MessageSignature.SignatureException e) {
            return false;
        }
    }

    @Override
    public void close() {
        forgetCached();
    }

    private void forgetCached() {
        if (libraries != null) {
            libraries.clear();
        }
        tickSent.clear();
        deadlines.clear();
        deadlineOf.clear();
        deadlinesLoaded = false;
    }

    /** @param withSlots the slots changed (a status was applied): only then are they written */
    private void store(Library lib, boolean withSlots) {
        libraries.store(lib, withSlots);
        indexDeadline(lib);
    }

    private void indexDeadline(Library lib) {
        Deadline old = deadlineOf.remove(lib.id());
        if (old != null) {
            deadlines.remove(old);
        }
        Instant due = ReservationCore.nextDeadline(lib);
        if (due != null) {
            Deadline d = new Deadline(due, lib.id());
            deadlines.add(d);
            deadlineOf.put(lib.id(), d);
        }
    }

    /**
     * Lease and wait expiry: a {@link Tick} record for each library with a deadline due, decided when it comes back
     * on the library's partition. Wall-clock, so that time passes for a library even when no record arrives for it.
     */
    private void tick(long nowMs) {
        Instant now = Instant.ofEpochMilli(nowMs);
        if (!deadlinesLoaded) {
            // once per (re)initialisation: the deadlines of libraries this task has not touched yet
            libraries.forEach(lib -> {
                if (!deadlineOf.containsKey(lib.id())) {
                    indexDeadline(lib);
                }
            });
            deadlinesLoaded = true;
        }
        for (Deadline d : deadlines.headSet(new Deadline(now, "\uffff"), true)) {
            Long sent = tickSent.get(d.library());
            if (sent != null && nowMs - sent < TICK_RESEND_MS) {
                continue;
            }
            tickSent.put(d.library(), nowMs);
            Envelope<?> env = new Envelope<>(UUID.randomUUID().toString(), typeOf(new Tick(d.library())), 1, now, source, null, null,
                    new Tick(d.library()));
            byte[] value = codec.encode(env);
            RecordHeaders headers = new RecordHeaders();
            if (security != null) {
                MessageSignature.sign(headers, value, security.self(), security.secretOf(security.self()));
            }
            appendToRequests(d.library(), value, headers, nowMs);
        }
    }

    /**
     * Who produced the record (its signature) and whether that principal may send it. A refused request is answered
     * {@code unauthorized} and dead-lettered; a refused status or result is dead-lettered only.
     */
    private boolean authorized(String topic, Record<String, byte[]> record, Envelope<? extends Payload> envelope, Library lib, Instant now) {
        Principal principal;
        try {
            principal = security.principal(MessageSignature.verify(record.headers(), record.value(), security::secretOf));
        } catch (MessageSignature.SignatureException e) {
            return refuse(topic, record, envelope, lib, "unauthenticated: " + e.getMessage());
        }
        Payload p = envelope.payload();
        if (p instanceof ReservationRequest r) {
            Optional<DrivebusError> no = security.policy().mayRequest(principal, r);
            return no.isEmpty() || refuse(topic, record, envelope, lib, no.get().message());
        }
        String host = p instanceof LibraryStatus st ? st.host() : p instanceof DeviceCommandResult dr ? dr.host() : null;
        if (host != null) {
            Optional<String> no = security.policy().mayReport(principal, host, lib.id(), lib.host(), ReservationCore.agentAlive(lib, now));
            return no.isEmpty() || refuse(topic, record, envelope, lib, no.get());
        }
        return true;
    }

    private boolean refuse(String topic, Record<String, byte[]> record, Envelope<? extends Payload> envelope, Library lib, String reason) {
        deadLetter(topic, record, reason);
        if (envelope.payload() instanceof ReservationRequest r) {
            send(lib, List.of(new Output.Event(ids.get(), envelope.id(), new ReservationDenied(lib.id(), null, r.requester(),
                    DrivebusError.failed(ErrorReason.unauthorized, reason)))), envelope.traceparent(), Instant.ofEpochMilli(record.timestamp()));
        }
        return false;
    }

    /** @param at the decided record's time: the answers' time too, so a replay's answers are the same */
    private void send(Library lib, List<Output> outputs, String traceparent, Instant at) {
        for (Output o : outputs) {
            if (o instanceof Output.Event e) {
                Envelope<?> env = new Envelope<>(e.eventId(), typeOf(e.event()), 1, at, source, e.correlationId(), traceparent, e.event());
                context.forward(new Record<>(lib.id(), codec.encode(env), at.toEpochMilli()), ReservationTopology.EVENTS_SINK);
            } else if (o instanceof Output.Forward f) {
                Envelope<?> env = new Envelope<>(f.requestId(), typeOf(f.request()), 1, at, source, null, traceparent, f.request());
                byte[] value = codec.encode(env);
                RecordHeaders headers = new RecordHeaders();
                if (security != null) {
                    MessageSignature.sign(headers, value, security.self(), security.secretOf(security.self()));
                }
                appendToRequests(f.request().library(), value, headers, at.toEpochMilli());
            } else if (o instanceof Output.Command c) {
                Envelope<?> env = new Envelope<>(c.commandId(), typeOf(c.command()), 1, at, source, c.correlationId(), traceparent,
                        c.command());
                byte[] value = codec.encode(env);
                RecordHeaders headers = new RecordHeaders();
                byte[] secret = security == null ? null : security.commandSecretOf(c.command().host());
                if (secret != null) {
                    // signed with the host's own secret: its agent can tell our commands from anyone else's
                    MessageSignature.sign(headers, value, security.self(), secret);
                }
                // to the host's own topic (ReservationTopology.COMMANDS_SINK picks it by the key)
                context.forward(new Record<>(c.command().host(), value, at.toEpochMilli(), headers), ReservationTopology.COMMANDS_SINK);
            }
        }
    }

    /** To the requests topic, outside the transaction ({@link RequestsLog}: why). */
    private void appendToRequests(String key, byte[] value, RecordHeaders headers, long timestamp) {
        if (requestsLog == null) {
            context.forward(new Record<>(key, value, timestamp, headers), ReservationTopology.FORWARD_SINK);
        } else {
            requestsLog.append(key, value, headers, timestamp);
        }
    }

    private static String typeOf(Payload p) {
        return io.drivebus.schemas.MessageType.of(p.getClass()).typeName();
    }

    /** The dead-letter copy ({@link DeadLetters}), with the record's own headers kept too. */
    private void deadLetter(String topic, Record<String, byte[]> record, String reason) {
        LOG.warnf("dead-lettering a record from %s (key %s): %s", topic, abbreviate(record.key(), 200), abbreviate(reason, 500));
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        DeadLetters.addReason(headers, reason, topic, "reservation-service");
        int keyBytes = DeadLetters.size(record.key());
        int valueBytes = DeadLetters.size(record.value());
        boolean truncate = DeadLetters.tooLarge(keyBytes, valueBytes);
        if (truncate) {
            DeadLetters.addTruncated(headers, keyBytes, valueBytes);
        }
        context.forward(new Record<>(truncate ? DeadLetters.keptKey(record.key()) : record.key(),
                truncate ? DeadLetters.keptValue(record.value()) : record.value(), record.timestamp(), headers), ReservationTopology.dlqSink(topic));
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
    }
}
