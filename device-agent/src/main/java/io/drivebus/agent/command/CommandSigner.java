package io.drivebus.agent.command;

import io.drivebus.agent.AgentConfig;
import io.drivebus.schemas.auth.MessageSignature;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Who sent a command. Kafka's ACLs let only the reservation-service write a host's command topic; on top of that, an
 * agent with a secret accepts only commands the reservation-service signed with that secret — the host's own, which
 * no other host holds — so neither a mis-granted ACL nor another host can command its drives.
 */
@ApplicationScoped
public class CommandSigner {

    @Inject
    AgentConfig config;

    /** Why {@code rec} is not a command of the reservation-service for this host, or empty when it is (or no secret is set). */
    public Optional<String> check(ConsumerRecord<byte[], byte[]> rec) {
        Optional<String> secret = config.secret();
        if (secret.isEmpty()) {
            return Optional.empty(); // an open dev setup: nothing is signed
        }
        byte[] key = secret.get().getBytes(StandardCharsets.UTF_8);
        String signer = config.commandSigner();
        try {
            MessageSignature.verify(rec.headers(), rec.value(), p -> p.equals(signer) ? key : null);
            return Optional.empty();
        } catch (MessageSignature.SignatureException e) {
            return Optional.of(e.getMessage());
        }
    }
}
