package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.Ports;
import io.drivebus.stack.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 3.7: two reservation-service instances; under a stream of reserve/release cycles the instances are killed
 * with kill -9 in turn and restarted. Afterwards the whole recorded history is checked: every reserve answered
 * exactly once, no drive or volume ever granted twice, tokens per drive strictly increasing (and never going back in
 * what the agent ran); and the inventory must converge to the agent's latest status, nothing reserved.
 */
class FailoverIT {
    static final int KILLS = Integer.getInteger("drivebus.failover.kills", 4);
    static final Duration ANSWER = Duration.ofSeconds(90);

    @Test
    void killingTheOwningInstanceLosesAndDuplicatesNothing() throws Exception {
        Path dir = Files.createTempDirectory("drivebus-failover");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.forTests(dir), m -> System.out.println("stack: " + m));
                DrivebusClient client = DrivebusClient.connect(ClientConfig.of(stack.bootstrap()).withSource("failover-test"))) {
            List<ServiceProcess> instances = new ArrayList<>();
            instances.add(stack.service("reservation-service"));
            ServiceProcess second = stack.startReservationService("reservation-service-b", Ports.free());
            try {
                instances.add(second.awaitReady(Duration.ofSeconds(120)));
                run(stack, client, instances);
            } finally {
                second.close(); // not the stack's own: it would outlive the test
            }
        }
    }

    private void run(LocalStack stack, DrivebusClient client, List<ServiceProcess> instances) throws Exception {
        ReserveReleaseLoad load = new ReserveReleaseLoad(client, 4, "failover", ANSWER, 120_000L);
        for (int k = 0; k < KILLS; k++) {
            Thread.sleep(4_000);
            ServiceProcess victim = instances.get(k % 2);
            System.out.println("failover: kill -9 " + victim + " (pid " + victim.pid() + ") after " + load.cycles() + " cycles");
            victim.kill();
            Thread.sleep(2_000);
            victim.start().awaitReady(Duration.ofSeconds(120));
        }
        Thread.sleep(4_000);
        load.stop();
        System.out.println("failover: " + load.cycles() + " reserve/release cycles, " + load.requestIds().size() + " reserve requests");
        assertTrue(load.cycles() > 20, "the load went on: " + load.cycles());
        assertEquals(List.of(), load.unanswered(), "every request answered within " + ANSWER);
        EventHistory.assertInvariants(stack.bootstrap(), load.requestIds(), load.granted());
        Inventory.assertConverges(stack, "demo", Duration.ofSeconds(60));
    }
}
