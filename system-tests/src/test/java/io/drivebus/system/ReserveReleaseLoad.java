package io.drivebus.system;

import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.client.DrivebusTimeoutException;
import io.drivebus.client.Reservation;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady load for failure tests: workers that each reserve a random slot of the demo library (waiting when it is
 * busy), then release it, until stopped. Records every reserve request's id, so the history can be checked for each
 * being answered exactly once, and the ids that got no answer in time.
 */
final class ReserveReleaseLoad {
    private final DrivebusClient client;
    private final Duration answer;
    private final long leaseMs;
    private final ExecutorService workers;
    private final List<Future<?>> running = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger cycles = new AtomicInteger();
    private final Set<String> requestIds = ConcurrentHashMap.newKeySet();
    /** What the client read for each granted reserve (before its commit: the client reads read_uncommitted). */
    private final Map<String, Reservation> granted = new ConcurrentHashMap<>();
    private final List<String> unanswered = Collections.synchronizedList(new ArrayList<>());

    ReserveReleaseLoad(DrivebusClient client, int workerCount, String ownerPrefix, Duration answer, long leaseMs) {
        this.client = client;
        this.answer = answer;
        this.leaseMs = leaseMs;
        this.workers = Executors.newFixedThreadPool(workerCount);
        for (int w = 0; w < workerCount; w++) {
            Owner owner = new Owner(ownerPrefix + "-" + w, ownerPrefix);
            running.add(workers.submit(() -> work(owner)));
        }
    }

    private Void work(Owner owner) {
        while (!stop.get()) {
            int slot = 1 + ThreadLocalRandom.current().nextInt(10);
            ReserveRequest req = new ReserveRequest("demo", owner, null, slot, null, null, null, null, null, null, null, null, null,
                    60_000L, leaseMs);
            try {
                Reservation r = client.reserve(req, answer);
                requestIds.add(r.requestId());
                granted.put(r.requestId(), r);
                client.release("demo", r.reservationId(), owner, answer);
                cycles.incrementAndGet();
            } catch (DrivebusTimeoutException e) {
                unanswered.add(e.requestId());
                requestIds.add(e.requestId());
            } catch (DrivebusException e) {
                if (e.requestId() != null) {
                    requestIds.add(e.requestId());
                }
            }
        }
        return null;
    }

    int cycles() {
        return cycles.get();
    }

    Set<String> requestIds() {
        return requestIds;
    }

    /** The reservations the workers were granted and used, by reserve request id, as the client read them. */
    Map<String, Reservation> granted() {
        return granted;
    }

    /** Requests (reserves or releases) that got no answer within the answer timeout. */
    List<String> unanswered() {
        return unanswered;
    }

    /** Stops the workers after their current cycle and waits for them. */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : running) {
            f.get(5, TimeUnit.MINUTES);
        }
        workers.shutdown();
    }
}
