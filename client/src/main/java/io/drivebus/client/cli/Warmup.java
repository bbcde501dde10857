package io.drivebus.client.cli;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageType;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Start-up work a call does anyway, begun on background threads while picocli builds its model on the main thread:
 * the JSON mapper and the verb's schema files, and for verbs that use the bus the Kafka client: for the reserving verbs
 * the producer and consumer themselves ({@link DrivebusClient#prepare}), for the others its class initialisation.
 * Class initialisation is thread-safe, so the main thread just finds it done (or waits for the rest of it).
 * Kept out of {@link DrivebusCommand} (no lambda there): linking that class at CDS dump time would link picocli's
 * old-format CommandLine class, which then cannot be archived.
 */
final class Warmup implements Runnable {

    /** Verbs that start no Kafka client. */
    private static final Set<String> NO_BUS = Set.of("status", "inventory", "help");

    /** The message types a verb sends and first reads: their schema files are read ahead (others when first met). */
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

    /** Verbs that reserve: their --timeout defaults to 5 minutes (ReserveOptions). */
    private static final Set<String> RESERVING = Set.of("reserve", "hold", "slot", "label", "current", "next");

    private final boolean kafka;
    private final MessageType[] types;
    /** The Kafka settings the call will most likely use; null: not guessed. */
    private final ClientConfig expected;

    private Warmup(boolean kafka, MessageType[] types, ClientConfig expected) {
        this.kafka = kafka;
        this.types = types;
        this.expected = expected;
    }

    static void start(String verb, String[] args) {
        daemon(new Warmup(false, verb == null ? new MessageType[0] : TYPES.getOrDefault(verb, new MessageType[0]), null),
                "drivebus-warm-codec");
        if (verb != null && !NO_BUS.contains(verb)) {
            daemon(new Warmup(true, null, RESERVING.contains(verb) ? expectedConfig(args) : null), "drivebus-warm-kafka");
        }
    }

    /**
     * The Kafka settings VerbCommand will give the client, read from the arguments without picocli: the bootstrap and the
     * --timeout (max.block.ms). Only a guess, for {@link DrivebusClient#prepare}: the client uses what was made with it
     * only if the settings picocli's parse gives are exactly the same. Null where it is not worth guessing.
     */
    static ClientConfig expectedConfig(String[] args) {
        String env = System.getenv("DRIVEBUS_KAFKA_CONFIG");
        if (env != null && !env.isBlank()) {
            return null;
        }
        String bootstrap = ClientConfig.defaultBootstrap();
        Duration timeout = Duration.ofMinutes(5);
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--")) {
                    break; // hold's command and its arguments follow
                } else if (a.startsWith("--kafka-config") || a.equals("-h") || a.equals("--help")) {
                    return null;
                } else if (a.equals("--bootstrap") && i + 1 < args.length) {
                    bootstrap = args[++i];
                } else if (a.startsWith("--bootstrap=")) {
                    bootstrap = a.substring("--bootstrap=".length());
                } else if (a.equals("--timeout") && i + 1 < args.length) {
                    timeout = new DurationConverter().convert(args[++i]);
                } else if (a.startsWith("--timeout=")) {
                    timeout = new DurationConverter().convert(a.substring("--timeout=".length()));
                }
            }
        } catch (RuntimeException e) {
            return null; // picocli reports it
        }
        return new ClientConfig(bootstrap, "drivebus-warmup", new Owner("warmup", "warmup"), Duration.ofSeconds(30),
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(VerbCommand.maxBlockMs(timeout))), null);
    }

    @Override
    public void run() {
        try {
            if (kafka && expected != null) {
                // the producer and consumer themselves (their construction includes all the below)
                DrivebusClient.prepare(expected);
            } else if (kafka) {
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
