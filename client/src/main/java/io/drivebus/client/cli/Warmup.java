package io.drivebus.client.cli;

import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageType;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Start-up work a call does anyway, begun on background threads while picocli builds its model on the main thread:
 * the JSON mapper and the schema validator, and for verbs that use the bus the Kafka client's class initialisation.
 * Class initialisation is thread-safe, so the main thread just finds it done (or waits for the rest of it).
 * Kept out of {@link DrivebusCommand} (no lambda there): linking that class at CDS dump time would link picocli's
 * old-format CommandLine class, which then cannot be archived.
 */
final class Warmup implements Runnable {

    /** Verbs that start no Kafka client. */
    private static final Set<String> NO_BUS = Set.of("status", "inventory", "help");

    /** The message types a verb sends and first reads: their schemas are compiled ahead (others when first met). */
    private static final Map<String, MessageType[]> TYPES = Map.ofEntries(
            Map.entry("reserve", reserve()), Map.entry("hold", reserve()), Map.entry("slot", reserve()),
            Map.entry("label", reserve()), Map.entry("current", reserve()), Map.entry("next", reserve()),
            Map.entry("release", new MessageType[] {MessageType.RELEASE, MessageType.RELEASED}),
            Map.entry("renew", new MessageType[] {MessageType.RENEW, MessageType.RENEWED}),
            Map.entry("cancel", new MessageType[] {MessageType.CANCEL, MessageType.CANCELLED}),
            Map.entry("reset", changer()), Map.entry("eject", changer()), Map.entry("update", changer()),
            Map.entry("move", changer()), Map.entry("show", changer()));

    private static MessageType[] reserve() {
        return new MessageType[] {MessageType.RESERVE, MessageType.GRANTED};
    }

    private static MessageType[] changer() {
        return new MessageType[] {MessageType.CHANGER, MessageType.CHANGER_RESULT};
    }

    private final boolean kafka;
    private final MessageType[] types;

    private Warmup(boolean kafka, MessageType[] types) {
        this.kafka = kafka;
        this.types = types;
    }

    static void start(String verb) {
        daemon(new Warmup(false, verb == null ? new MessageType[0] : TYPES.getOrDefault(verb, new MessageType[0])),
                "drivebus-warm-codec");
        if (verb != null && !NO_BUS.contains(verb)) {
            daemon(new Warmup(true, null), "drivebus-warm-kafka");
        }
    }

    @Override
    public void run() {
        try {
            if (kafka) {
                // the producer's constructor registers an app-info MBean: creating the platform MBean server is the
                // largest part of making a producer (~0.15 s CPU here); then the protocol tables both clients use
                ManagementFactory.getPlatformMBeanServer();
                ApiKeys.values();
                Errors.forCode((short) 0);
                ProducerConfig.configNames();
                ConsumerConfig.configNames();
            } else {
                MessageCodec.get().warm(types);
                if (types.length > 0 && types[0] == MessageType.RESERVE) {
                    // Jackson builds its serializers for a type at first use: a sample reserve, so the real one is quick
                    MessageCodec.get().encode(Envelope.of("warm", null, ReserveRequest.bySlot("warm", new Owner("warm", "warm"), 1)));
                }
            }
            io.drivebus.client.Trace.mark(Thread.currentThread().getName() + " done");
        } catch (RuntimeException | LinkageError e) {
            // only a head start: the call does the same work itself and reports what fails
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
