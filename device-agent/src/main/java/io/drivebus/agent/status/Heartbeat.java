package io.drivebus.agent.status;

import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Republishes every library's status each heartbeat interval, so readers can tell a live agent from a dead one. */
@ApplicationScoped
public class Heartbeat {
    private static final Logger LOG = Logger.getLogger(Heartbeat.class);

    @Inject
    StatusPublisher publisher;
    @Inject
    Libraries libraries;

    @Scheduled(every = "${drivebus.agent.heartbeat-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        if (!publisher.announced()) {
            return; // the command consumer announces first, once Kafka is reachable
        }
        for (Library lib : libraries.all()) {
            publisher.publish(lib).whenComplete((md, e) -> {
                if (e != null) {
                    LOG.warnf("heartbeat status of library %s not sent: %s", lib.id(), e.toString());
                }
            });
        }
    }
}
