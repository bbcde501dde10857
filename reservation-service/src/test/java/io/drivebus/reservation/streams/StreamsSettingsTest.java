package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {
    @Test
    void environmentVariablesBecomeClientAndStreamsSettings() {
        Properties p = ReservationStreams.fromEnvironment(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                "KAFKA_STREAMS_STATE_DIR", "/var/lib/drivebus/streams",
                "KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9093",
                "HOME", "/root"));
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("/var/lib/drivebus/streams", p.get("state.dir"));
        assertFalse(p.containsKey("bootstrap.servers"), "bootstrap comes from kafka.bootstrap.servers");
        assertEquals(3, p.size());
    }
}
