package io.drivebus.agent.health;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.command.CommandConsumer;
import io.drivebus.agent.kafka.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the command consumer reads its partition and the producer's last send was acknowledged. */
@Readiness
@ApplicationScoped
public class AgentReadiness implements HealthCheck {

    @Inject
    CommandConsumer consumer;
    @Inject
    KafkaClients kafka;
    @Inject
    AgentConfig config;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("drivebus-agent-kafka")
                .status(consumer.running() && kafka.producerConnected())
                .withData("host", config.host())
                .withData("consumer", consumer.running())
                .withData("producer", kafka.producerConnected())
                .withData("commandTopic", consumer.partitions().isEmpty() ? "none" : consumer.partitions().toString())
                .build();
    }
}
