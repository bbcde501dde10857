package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Whether a host's command topic exists. A command sent to a missing topic would block the stream thread on metadata
 * until it fails, stalling every library of its task; so a status is accepted only from a host whose topic exists
 * (the agent creates it before its first status; Kubernetes declares it per host). A host once seen is remembered;
 * a missing one is asked again at most every few seconds, as an agent re-sends its status with every heartbeat.
 */
final class CommandTopics implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CommandTopics.class);
    private static final long RECHECK_MS = 5_000;

    private final Admin admin;
    private final LongSupplier clock;
    private final Set<String> present = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Long> missingSince = new ConcurrentHashMap<>();

    CommandTopics(Admin admin, LongSupplier clock) {
        this.admin = admin;
        this.clock = clock;
    }

    @Override
    public boolean test(String host) {
        if (present.contains(host)) {
            return true;
        }
        long now = clock.getAsLong();
        Long last = missingSince.get(host);
        if (last != null && now - last < RECHECK_MS) {
            return false;
        }
        String topic = Topics.deviceCommands(host);
        try {
            if (admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(topic)) {
                present.add(host);
                missingSince.remove(host);
                return true;
            }
            LOG.warnf("host %s has no command topic %s: its status is refused until the topic exists", host, topic);
        } catch (Exception e) {
            LOG.warnf("could not list topics to find %s (%s); its host's status is refused for now", topic, e.toString());
        }
        missingSince.put(host, now);
        return false;
    }

    @Override
    public void close() {
        admin.close();
    }
}
