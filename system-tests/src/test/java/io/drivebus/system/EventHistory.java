package io.drivebus.system;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ExpiryKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The committed history of a topic, read from the beginning, and DESIGN.md's invariants checked on it. Each
 * method returns the violations it found (empty = holds), so a failure says exactly what went wrong.
 */
final class EventHistory {
    final List<Envelope<? extends Payload>> messages = new ArrayList<>();

    static EventHistory read(String bootstrap, String topic) {
        return read(bootstrap, c -> List.of(topic));
    }

    /** Every host's commands (each host has its own topic). */
    static EventHistory readCommands(String bootstrap) {
        return read(bootstrap, c -> c.listTopics(Duration.ofSeconds(30)).keySet().stream()
                .filter(t -> io.drivebus.schemas.Topics.hostOfCommands(t) != null).sorted().toList());
    }

    private static EventHistory read(String bootstrap, java.util.function.Function<KafkaConsumer<String, byte[]>, List<String>> topicsOf) {
        EventHistory h = new EventHistory();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = topicsOf.apply(c).stream().flatMap(topic -> c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = settledEnd(bootstrap, parts, c);
            // per partition, in offset order: a library's history is one partition's order
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    try {
                        h.messages.add(MessageCodec.get().decode(r.value()));
                    } catch (InvalidMessageException e) {
                        // not ours to judge here
                    }
                }
            }
        }
        return h;
    }

    /**
     * Where each partition's committed history ends once no transaction is open on it. A {@code read_committed}
     * consumer's end is the start of the oldest open transaction: read right after the load stops, the history would
     * lack the last answers, which clients read before their commit (a FailoverIT run found a request "answered 0
     * times" whose ready was committed 120 ms after the history was read). So wait, up to 30 s, for a moment when
     * the committed end is the log's end on every partition; after that, the history as it stands (a transaction
     * still open then is a fault the invariants should show).
     */
    private static Map<TopicPartition, Long> settledEnd(String bootstrap, List<TopicPartition> parts, KafkaConsumer<String, byte[]> committed) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<String, byte[]> all = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                Map<TopicPartition, Long> stable = committed.endOffsets(parts);
                if (stable.equals(all.endOffsets(parts)) || System.nanoTime() > until) {
                    return stable;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return stable;
                }
            }
        }
    }

    /**
     * DESIGN.md's invariants 1-3 on the committed history of the events, commands and device events topics: every
     * reserve in {@code requestIds} answered exactly once, no drive or volume granted twice, tokens per drive never
     * going back, and no agent running a command under a token below one it ran before.
     */
    static void assertInvariants(String bootstrap, Set<String> requestIds, Map<String, io.drivebus.client.Reservation> seen) {
        EventHistory events = read(bootstrap, io.drivebus.schemas.Topics.RESERVATION_EVENTS);
        EventHistory commands = readCommands(bootstrap);
        EventHistory results = read(bootstrap, io.drivebus.schemas.Topics.DEVICE_EVENTS);
        System.out.printf("history: %d reservation events, %d device commands, %d command results%n", events.messages.size(),
                commands.messages.size(), results.messages.size());
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), events.requestsAnsweredExactlyOnce(requestIds));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), events.noDoubleGrant());
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), events.tokensIncreasePerDrive());
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), commands.tokensIncreasePerDrive());
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), results.agentsRanNothingBelowTheirHighest());
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), events.clientsSawWhatCommitted(seen));
    }

    /**
     * Clients read answers before their transaction commits. That is only exactly-once if every grant a client read
     * and used is the committed one: the same reservation, drive and token. An answer lost with an aborted
     * transaction and decided differently by the replay would show here.
     */
    List<String> clientsSawWhatCommitted(Map<String, io.drivebus.client.Reservation> seen) {
        Map<String, ReservationEvent> committed = new HashMap<>();
        for (Envelope<? extends Payload> e : messages) {
            if (e.correlationId() != null && seen.containsKey(e.correlationId())
                    && (e.payload() instanceof ReservationReady || e.payload() instanceof ReservationGranted && !committed.containsKey(e.correlationId()))) {
                committed.put(e.correlationId(), (ReservationEvent) e.payload()); // ready, else the immediate grant
            }
        }
        List<String> v = new ArrayList<>();
        seen.forEach((requestId, r) -> {
            ReservationEvent c = committed.get(requestId);
            String got = r.reservationId() + " on " + r.drive() + " under token " + r.token();
            String want = c instanceof ReservationReady x ? x.reservationId() + " on " + x.drive() + " under token " + x.token()
                    : c instanceof ReservationGranted g ? g.reservationId() + " on " + g.drive() + " under token " + g.token() : null;
            if (!got.equals(want)) {
                v.add("request " + requestId + ": the client used " + got + ", the committed history says " + want);
            }
        });
        return v;
    }

    /** Invariant 2: every request got exactly one final answer (ready, denied, expired, cancelled, or an immediate grant). */
    List<String> requestsAnsweredExactlyOnce(Set<String> requestIds) {
        Map<String, Integer> finals = new HashMap<>();
        for (Envelope<? extends Payload> e : messages) {
            if (e.payload() instanceof ReservationEvent ev && e.correlationId() != null && isFinal(ev)) {
                finals.merge(e.correlationId(), 1, Integer::sum);
            }
        }
        List<String> v = new ArrayList<>();
        for (String id : requestIds) {
            int n = finals.getOrDefault(id, 0);
            if (n != 1) {
                v.add("request " + id + " answered " + n + " times");
            }
        }
        return v;
    }

    private static boolean isFinal(ReservationEvent ev) {
        return ev instanceof ReservationReady || ev instanceof ReservationDenied || ev instanceof ReservationCancelled
                || ev instanceof ReservationReleased || ev instanceof io.drivebus.schemas.reservation.LeaseRenewed
                || ev instanceof ReservationBroken
                || ev instanceof ReservationExpired x && x.what() == ExpiryKind.wait;
    }

    /**
     * Invariant 1 (maxConcurrentJobs = 1 here): replaying grants and endings per library in order, no drive and no
     * volume is ever held by two reservations at once.
     */
    List<String> noDoubleGrant() {
        Map<String, String> driveHolder = new HashMap<>();
        Map<String, String> volumeHolder = new HashMap<>();
        Map<String, String[]> held = new HashMap<>();
        List<String> v = new ArrayList<>();
        for (Envelope<? extends Payload> e : messages) {
            Payload p = e.payload();
            if (p instanceof ReservationGranted g) {
                String dk = g.library() + "/" + g.drive();
                String vk = g.library() + "/" + g.label();
                if (driveHolder.containsKey(dk)) {
                    v.add("drive " + dk + " granted to " + g.reservationId() + " while held by " + driveHolder.get(dk));
                }
                if (g.label() != null && volumeHolder.containsKey(vk)) {
                    v.add("volume " + vk + " granted to " + g.reservationId() + " while held by " + volumeHolder.get(vk));
                }
                driveHolder.put(dk, g.reservationId());
                if (g.label() != null) {
                    volumeHolder.put(vk, g.reservationId());
                }
                held.put(g.reservationId(), new String[] {dk, g.label() == null ? null : vk});
            } else if (endsReservation(e)) {
                String id = reservationIdOf(p);
                String[] keys = held.remove(id);
                if (keys != null) {
                    driveHolder.remove(keys[0], id);
                    if (keys[1] != null) {
                        volumeHolder.remove(keys[1], id);
                    }
                }
            }
        }
        return v;
    }

    /** Released, broken, lease expired, or a failed load (a denial answering the reserve request itself). */
    private static boolean endsReservation(Envelope<? extends Payload> e) {
        Payload p = e.payload();
        return p instanceof ReservationReleased || p instanceof ReservationBroken
                || p instanceof ReservationExpired x && x.what() == ExpiryKind.lease
                || p instanceof ReservationDenied d && d.reservationId() != null && d.reservationId().equals(e.correlationId());
    }

    private static String reservationIdOf(Payload p) {
        if (p instanceof ReservationReleased r) {
            return r.reservationId();
        } else if (p instanceof ReservationBroken b) {
            return b.reservationId();
        } else if (p instanceof ReservationExpired x) {
            return x.reservationId();
        }
        return ((ReservationDenied) p).reservationId();
    }

    /**
     * Invariant 3, agent side, on what the agents reported: per drive, every command an agent ran (done or failed: it
     * admitted the token first) has a token at least as high as every one it ran before, in the order it reported
     * them. Refused commands did not run. A result sent again for a command already answered (an agent restarted
     * before its read of the command was committed, and answers from its stored result) is not a second run.
     */
    List<String> agentsRanNothingBelowTheirHighest() {
        Map<String, Long> highest = new HashMap<>();
        Set<String> answered = new HashSet<>();
        List<String> v = new ArrayList<>();
        for (Envelope<? extends Payload> e : messages) {
            if (e.payload() instanceof DeviceCommandResult r && r.drive() != null && r.outcome() != CommandOutcome.refused
                    && answered.add(r.commandId())) {
                String dk = r.library() + "/" + r.drive();
                Long before = highest.get(dk);
                if (before != null && r.token() < before) {
                    v.add("drive " + dk + ": " + r.action() + " " + r.commandId() + " ran under token " + r.token() + " after " + before);
                }
                highest.merge(dk, r.token(), Math::max);
            }
        }
        return v;
    }

    /** Invariant 3, service side: per drive, each grant's token is above every earlier one. */
    List<String> tokensIncreasePerDrive() {
        Map<String, Long> last = new HashMap<>();
        List<String> v = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Envelope<? extends Payload> e : messages) {
            if (e.payload() instanceof ReservationGranted g && seen.add(g.reservationId())) {
                String dk = g.library() + "/" + g.drive();
                Long before = last.get(dk);
                if (before != null && g.token() <= before) {
                    v.add("drive " + dk + ": token " + g.token() + " after " + before);
                }
                last.put(dk, g.token());
            } else if (e.payload() instanceof DeviceCommand c) {
                String dk = c.library() + "/" + c.drive();
                Long before = last.get(dk);
                if (before != null && c.token() < before) {
                    v.add("command for " + dk + " under token " + c.token() + " after " + before);
                }
            }
        }
        return v;
    }
}
