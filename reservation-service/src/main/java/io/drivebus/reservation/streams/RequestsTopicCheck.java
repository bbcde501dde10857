package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.jboss.logging.Logger;

/**
 * The requests topic must take the broker's time ({@code message.timestamp.type=LogAppendTime}): the service decides
 * at its records' timestamps, and under {@code CreateTime} those are whatever a producer wrote, so a client could
 * expire other owners' leases. Checked once at start; a topic that says otherwise keeps the service from starting.
 */
final class RequestsTopicCheck {
    private static final Logger LOG = Logger.getLogger(RequestsTopicCheck.class);
    static final String TIMESTAMP_TYPE = "message.timestamp.type";

    /** What is wrong with the requests topic, or null when it is right or cannot be told (then a warning is logged). */
    static String problem(Admin admin) {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RESERVATION_REQUESTS);
        Config config;
        try {
            config = admin.describeConfigs(List.of(topic)).all().get(15, TimeUnit.SECONDS).get(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.warnf("could not read the configuration of %s (%s): make sure it has %s=LogAppendTime", Topics.RESERVATION_REQUESTS,
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), TIMESTAMP_TYPE);
            return null;
        }
        ConfigEntry type = config == null ? null : config.get(TIMESTAMP_TYPE);
        return problem(type == null ? null : type.value());
    }

    static String problem(String timestampType) {
        if (timestampType == null || timestampType.equals("LogAppendTime")) {
            return null;
        }
        return Topics.RESERVATION_REQUESTS + " has " + TIMESTAMP_TYPE + "=" + timestampType
                + ": decisions take their time from its records, so it must be LogAppendTime (the broker's clock, not a producer's)";
    }

    private RequestsTopicCheck() {
    }
}
