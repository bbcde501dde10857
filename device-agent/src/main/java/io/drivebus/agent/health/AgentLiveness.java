package io.drivebus.agent.health;

import io.drivebus.agent.command.CommandConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive unless the command thread died. Deliberately blind to Kafka: a broker outage is not fixed by restarting
 * the agent (readiness shows it), and a liveness probe that depends on it would restart every agent at once.
 */
@Liveness
@ApplicationScoped
public class AgentLiveness implements HealthCheck {

    @Inject
    CommandConsumer consumer;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("drivebus-agent-command-thread").status(consumer.alive()).build();
    }
}
