package io.drivebus.reservation.streams;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Health from the Streams state machine alone; nothing here calls the service over the network. */
public final class StreamsHealth {

    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        private final ReservationStreams streams;

        Ready(ReservationStreams streams) {
            this.streams = streams;
        }

        @Override
        public HealthCheckResponse call() {
            KafkaStreams.State s = streams.state();
            var r = HealthCheckResponse.named("reservation-streams").status(s == KafkaStreams.State.RUNNING).withData("state", s.name());
            if (streams.misconfigured() != null) {
                r.withData("misconfigured", streams.misconfigured());
            }
            return r.build();
        }
    }

    @Liveness
    @ApplicationScoped
    static class Alive implements HealthCheck {
        private final ReservationStreams streams;

        Alive(ReservationStreams streams) {
            this.streams = streams;
        }

        @Override
        public HealthCheckResponse call() {
            KafkaStreams.State s = streams.state();
            boolean alive = s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR;
            return HealthCheckResponse.named("reservation-streams").status(alive).withData("state", s.name()).build();
        }
    }

    private StreamsHealth() {
    }
}
