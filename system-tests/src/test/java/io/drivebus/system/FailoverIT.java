package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
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
 * Issue 3.7: two reservation-service instances; under a stream of reserve/release cycles the instances are killed
 * with kill -9 in turn and restarted. Afterwards the whole recorded history is checked: every reserve answered
 * exactly once, no drive or volume ever granted twice, tokens per drive strictly increasing.
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
        {

            Set<String> requestIds = ConcurrentHashMap.newKeySet();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger cycles = new AtomicInteger();
            ExecutorService workers = Executors.newFixedThreadPool(4);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Owner owner = new Owner("job-" + w, "failover");
                running.add(workers.submit(() -> {
                    while (!stop.get()) {
                        int slot = 1 + ThreadLocalRandom.current().nextInt(10);
                        ReserveRequest req = new ReserveRequest("demo", owner, null, slot, null, null, null, null, null, null, null, null,
                                null, 60_000L, 120_000L);
                        try {
                            Reservation r = client.reserve(req, ANSWER);
                            requestIds.add(r.requestId());
                            client.release("demo", r.reservationId(), owner, ANSWER);
                            cycles.incrementAndGet();
                        } catch (DrivebusException e) {
                            if (e.requestId() != null) {
                                requestIds.add(e.requestId());
                            }
                            if (e instanceof io.drivebus.client.DrivebusTimeoutException) {
                                failures.add("no answer within " + ANSWER + " to " + e.requestId());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (int k = 0; k < KILLS; k++) {
                Thread.sleep(4_000);
                ServiceProcess victim = instances.get(k % 2);
                int before = cycles.get();
                System.out.println("failover: kill -9 " + victim + " (pid " + victim.pid() + ") after " + before + " cycles");
                victim.kill();
                Thread.sleep(2_000);
                victim.start().awaitReady(Duration.ofSeconds(120));
            }
            Thread.sleep(4_000);
            stop.set(true);
            for (Future<?> f : running) {
                f.get(3, TimeUnit.MINUTES);
            }
            workers.shutdown();
            System.out.println("failover: " + cycles.get() + " reserve/release cycles, " + requestIds.size() + " reserve requests");
            assertTrue(cycles.get() > 20, "the load went on: " + cycles.get());
            assertEquals(List.of(), failures);

            EventHistory events = EventHistory.read(stack.bootstrap(), Topics.RESERVATION_EVENTS);
            EventHistory commands = EventHistory.read(stack.bootstrap(), Topics.DEVICE_COMMANDS);
            assertEquals(List.of(), events.requestsAnsweredExactlyOnce(requestIds));
            assertEquals(List.of(), events.noDoubleGrant());
            assertEquals(List.of(), events.tokensIncreasePerDrive());
            assertEquals(List.of(), commands.tokensIncreasePerDrive());
        }
    }
}
