package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.client.DrivebusTimeoutException;
import io.drivebus.client.Reservation;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.Ports;
import io.drivebus.stack.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's chaos harness: under steady reserve/release load (loads and unloads really move volumes), each cycle
 * kill -9s the device-agent, kill -9s a reservation-service instance and kill -9s the broker, restarting each.
 * Afterwards DESIGN.md's invariants are checked on the complete recorded history, and the inventory must converge to
 * the agent's view. Opt-in ({@code -Ddrivebus.chaos=true}; {@code -Ddrivebus.chaos.cycles=20} for the full run).
 *
 * <p>Not in the default run yet: its first run found 3 of 24 reserve requests (one per worker, all in flight across
 * the second broker kill -9) unanswered within two minutes. Recorded as an open bug (docs/known-issues.md) until its
 * cause is found and fixed.
 */
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "drivebus.chaos", matches = "true")
class ChaosIT {
    static final int CYCLES = Integer.getInteger("drivebus.chaos.cycles", 2);
    static final Duration ANSWER = Duration.ofSeconds(120);

    @Test
    void invariantsHoldUnderKillsOfEveryProcess() throws Exception {
        Path dir = Files.createTempDirectory("drivebus-chaos");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.forTests(dir), m -> System.out.println("stack: " + m));
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
        Set<String> requestIds = ConcurrentHashMap.newKeySet();
        List<String> unanswered = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger cycles = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Owner owner = new Owner("chaos-" + w, "chaos");
            running.add(workers.submit(() -> {
                while (!stop.get()) {
                    int slot = 1 + ThreadLocalRandom.current().nextInt(10);
                    ReserveRequest req = new ReserveRequest("demo", owner, null, slot, null, null, null, null, null, null, null, null, null,
                            60_000L, 300_000L);
                    try {
                        Reservation r = client.reserve(req, ANSWER);
                        requestIds.add(r.requestId());
                        client.release("demo", r.reservationId(), owner, ANSWER);
                        cycles.incrementAndGet();
                    } catch (DrivebusTimeoutException e) {
                        unanswered.add(e.requestId());
                    } catch (DrivebusException e) {
                        if (e.requestId() != null) {
                            requestIds.add(e.requestId());
                        }
                    }
                }
                return null;
            }));
        }
        for (int c = 0; c < CYCLES; c++) {
            Thread.sleep(3_000);
            ServiceProcess agent = stack.service("device-agent");
            System.out.println("chaos: cycle " + c + ": kill -9 device-agent after " + cycles.get() + " reserve/release cycles");
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
            System.out.println("chaos: cycle " + c + ": kill -9 the broker");
            stack.broker().kill();
            Thread.sleep(1_000);
            stack.broker().startProcess();
        }
        Thread.sleep(5_000);
        stop.set(true);
        for (Future<?> f : running) {
            f.get(5, TimeUnit.MINUTES);
        }
        workers.shutdown();
        System.out.println("chaos: " + CYCLES + " cycles, " + cycles.get() + " reserve/release cycles, " + requestIds.size()
                + " reserve requests, " + unanswered.size() + " not answered within " + ANSWER);
        assertTrue(cycles.get() > 10, "the load went on: " + cycles.get());
        assertEquals(List.of(), unanswered, "every request answered");

        EventHistory events = EventHistory.read(stack.bootstrap(), Topics.RESERVATION_EVENTS);
        EventHistory commands = EventHistory.read(stack.bootstrap(), Topics.DEVICE_COMMANDS);
        assertEquals(List.of(), events.requestsAnsweredExactlyOnce(requestIds));
        assertEquals(List.of(), events.noDoubleGrant());
        assertEquals(List.of(), events.tokensIncreasePerDrive());
        assertEquals(List.of(), commands.tokensIncreasePerDrive());
        // the inventory converges: nothing reserved once the load stopped, as the service's answers say
        WalkingSkeletonIT.stack = stack;
        try {
            WalkingSkeletonIT.awaitInventory(inv -> {
                for (var s : inv.path("slots")) {
                    if (s.path("reserved").asBoolean()) {
                        return false;
                    }
                }
                return true;
            });
        } finally {
            WalkingSkeletonIT.stack = null;
        }
    }
}
