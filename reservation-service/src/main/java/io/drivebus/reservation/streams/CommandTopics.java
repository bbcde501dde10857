package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Whether a host's command topic exists. A command sent to a missing topic would block the stream thread on metadata
 * until it fails, stalling every library of its task; so a status is accepted only from a host whose topic exists
 * (the agent creates it before its first status; Kubernetes declares it per host). The answer comes from one list of
 * the cluster's topics, taken again when a host is missing from it (at most every {@link #MISSING_RECHECK_MS}: an agent
 * re-sends its status with every heartbeat) and in any case every {@link #PRESENT_RECHECK_MS}, so a topic deleted
 * while its agent still reports is noticed too.
 */
final class CommandTopics implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CommandTopics.class);
    static final long MISSING_RECHECK_MS = 5_000;
    static final long PRESENT_RECHECK_MS = 60_000;

    private final Callable<Set<String>> topicNames;
    private final Runnable onClose;
    private final LongSupplier clock;
    private volatile Set<String> names = Set.of();
    /** When {@link #names} was listed; never, to start with. */
    private volatile long listedAt = Long.MIN_VALUE;

    CommandTopics(Admin admin, LongSupplier clock) {
        this(() -> admin.listTopics().names().get(5, TimeUnit.SECONDS), admin::close, clock);
    }

    CommandTopics(Callable<Set<String>> topicNames, Runnable onClose, LongSupplier clock) {
        this.topicNames = topicNames;
        this.onClose = onClose;
        this.clock = clock;
    }

    @Override
    public boolean test(String host) {
        String topic = Topics.deviceCommands(host);
        long now = clock.getAsLong();
        boolean listed = names.contains(topic);
        long age = listedAt == Long.MIN_VALUE ? Long.MAX_VALUE : now - listedAt;
        if (age >= (listed ? PRESENT_RECHECK_MS : MISSING_RECHECK_MS)) {
            try {
                names = Set.copyOf(topicNames.call());
                listed = names.contains(topic);
            } catch (Exception e) {
                LOG.warnf("could not list topics to find %s (%s); going by the last list", topic, e.toString());
            }
            listedAt = now; // a failed list is not retried on every status either
        }
        return listed; // the processor dead-letters the refused status with the reason
    }

    @Override
    public void close() {
        onClose.run();
    }
}
