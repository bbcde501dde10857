package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.Ports;
import io.drivebus.stack.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's chaos harness: under steady reserve/release load (loads and unloads really move volumes), each cycle
 * kill -9s the device-agent, kill -9s a reservation-service instance and kill -9s the broker (of several, one in turn,
 * and then their KRaft controller), restarting each. Afterwards every transaction must have ended the same way on
 * every partition it wrote (read from the brokers' segments: {@link TransactionOutcomes}), DESIGN.md's invariants are
 * checked on the complete recorded history, and the inventory must converge to the agent's latest status and the
 * service's answers. Opt-in ({@code -Ddrivebus.chaos=true}; {@code -Ddrivebus.chaos.cycles=20} for the full run,
 * {@code -Ddrivebus.chaos.brokers=3} for a deployment's replication).
 *
 * <p>Opt-in rather than in the default run because of its length (about 1.5 min a cycle on the 2-core machine):
 * {@code system-tests/chaos.sh} runs the short form. Its first runs found requests left unanswered across a broker
 * kill, traced to transactions the broker left hanging (docs/known-issues.md); the service now aborts those.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "drivebus.chaos", matches = "true")
class ChaosIT {
    static final int CYCLES = Integer.getInteger("drivebus.chaos.cycles", 2);
    /**
     * 1: the one broker of the local stack, every partition without a leader while it is down. 3: brokers with a
     * controller of their own, replicated as k8s/ replicates, one of them and then the controller killed a cycle
     * ({@code -Ddrivebus.chaos.brokers=3}).
     */
    static final int BROKERS = Integer.getInteger("drivebus.chaos.brokers", 1);
    static final Duration ANSWER = Duration.ofSeconds(120);

    @Test
    void invariantsHoldUnderKillsOfEveryProcess() throws Exception {
        Path dir = Files.createTempDirectory("drivebus-chaos");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.forTests(dir).withBrokers(BROKERS), m -> System.out.println("stack: " + m));
                DrivebusClient client = DrivebusClient.connect(ClientConfig.of(stack.bootstrap()).withSource("chaos"))) {
            ServiceProcess second = stack.startReservationService("reservation-service-b", Ports.free());
            try {
                second.awaitReady(Duration.ofSeconds(120));
                run(stack, client, List.of(stack.service("reservation-service"), second));
            } finally {
                second.close();
            }
        }
    }

    private void run(LocalStack stack, DrivebusClient client, List<ServiceProcess> instances) throws Exception {
        ReserveReleaseLoad load = new ReserveReleaseLoad(client, 3, "chaos", ANSWER, 300_000L);
        for (int c = 0; c < CYCLES; c++) {
            Thread.sleep(3_000);
            ServiceProcess agent = stack.service("device-agent");
            System.out.println("chaos: cycle " + c + ": kill -9 device-agent after " + load.cycles() + " reserve/release cycles");
            agent.kill();
            Thread.sleep(1_000);
            agent.start().awaitReady(Duration.ofSeconds(120));
            Thread.sleep(3_000);
            ServiceProcess victim = instances.get(c % 2);
            System.out.println("chaos: cycle " + c + ": kill -9 " + victim);
            victim.kill();
            Thread.sleep(1_000);
            victim.start().awaitReady(Duration.ofSeconds(120));
            Thread.sleep(3_000);
            KafkaBroker broker = stack.brokers().get(c % BROKERS);
            System.out.println("chaos: cycle " + c + ": kill -9 the broker" + (BROKERS > 1 ? " " + broker.dir().getFileName() : ""));
            broker.kill();
            Thread.sleep(1_000);
            broker.startProcess();
            if (stack.cluster() != null) {
                // one failure at a time, as in a deployment: the next broker goes down once this one has caught up
                stack.cluster().awaitInSync(Duration.ofSeconds(120));
                // the KRaft controller too: while it is down no leader can move, and on its return every broker must
                // be heard from again; the transactions under way must come through that as they do a broker's loss
                Thread.sleep(3_000);
                KafkaBroker controller = stack.cluster().controller();
                System.out.println("chaos: cycle " + c + ": kill -9 the controller");
                controller.kill();
                Thread.sleep(1_000);
                controller.startProcess();
                stack.cluster().awaitInSync(Duration.ofSeconds(120));
            }
        }
        Thread.sleep(5_000);
        load.stop();
        System.out.println("chaos: " + CYCLES + " cycles, " + load.cycles() + " reserve/release cycles, " + load.requestIds().size()
                + " reserve requests, " + load.unanswered().size() + " not answered within " + ANSWER);
        assertTrue(load.cycles() > 10, "the load went on: " + load.cycles());
        // first, as a split transaction is the cause the later checks would only show the effects of
        // (Kafka splits a transaction when its coordinator drops a marker for a partition without a leader, as on
        // one broker's every restart: docs/known-issues.md.) A split whose only aborted part is its offsets
        // commit is a re-delivery, which the invariants below check the service answers as once; any other loses.
        List<TransactionOutcomes.Split> splits = TransactionOutcomes.splits(stack.brokers().stream().map(b -> b.dir().resolve("data")).toList());
        splits.forEach(s -> System.out.println("chaos: split transaction " + s + (s.redelivers() ? " (its inputs read again)" : "")));
        assertEquals(List.of(), splits.stream().filter(s -> !s.redelivers()).toList(),
                "every transaction ended the same way on every partition it wrote, or at worst had its inputs read again");
        if (!load.unanswered().isEmpty()) {
            explain(stack.bootstrap(), load.unanswered());
        }
        assertEquals(List.of(), load.unanswered(), "every request answered");
        EventHistory.assertInvariants(stack.bootstrap(), load.requestIds(), load.granted());
        Inventory.assertConverges(stack, "demo", Duration.ofSeconds(60));
    }

    /** Where an unanswered request was lost: never on the requests topic, answered but missed, or not decided. */
    private static void explain(String bootstrap, List<String> unanswered) {
        EventHistory requests = EventHistory.read(bootstrap, io.drivebus.schemas.Topics.RESERVATION_REQUESTS);
        EventHistory events = EventHistory.read(bootstrap, io.drivebus.schemas.Topics.RESERVATION_EVENTS);
        EventHistory dead = EventHistory.read(bootstrap, io.drivebus.schemas.Topics.dlq(io.drivebus.schemas.Topics.RESERVATION_REQUESTS));
        for (String id : unanswered) {
            long sent = requests.messages.stream().filter(m -> m.id().equals(id)).count();
            List<String> answers = events.messages.stream().filter(m -> id.equals(m.correlationId())).map(m -> m.type()).toList();
            long deadLettered = dead.messages.stream().filter(m -> m.id().equals(id)).count();
            System.out.println("chaos: unanswered " + id + ": on the requests topic " + sent + "x, dead-lettered " + deadLettered
                    + "x, committed events for it: " + answers);
        }
    }
}
