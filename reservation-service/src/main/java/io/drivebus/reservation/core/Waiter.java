package io.drivebus.reservation.core;

import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import java.time.Instant;

/** A reserve request that could not be served yet and asked to wait (Bareos' fair queue). */
public final class Waiter {
    String requestId;
    /** What waits: a single reserve, or (when {@code set} is not null) a multi-device set. */
    ReserveRequest request;
    ReserveSetRequest set;
    /** Order of arrival within the library; ties in priority are served by it. */
    long arrival;
    Instant deadline;
    /** Last position told to the requester, so it is told again only when it changes. */
    int toldPosition;

    Waiter() {
    }

    Waiter(String requestId, ReserveRequest request, ReserveSetRequest set, long arrival, Instant deadline) {
        this.requestId = requestId;
        this.request = request;
        this.set = set;
        this.arrival = arrival;
        this.deadline = deadline;
    }

    /** Bareos' convention: a lower number is served first; 10 when not given. */
    int priority() {
        Integer p = set != null ? set.priority() : request.priority();
        return p == null ? WaitQueue.DEFAULT_PRIORITY : p;
    }

    io.drivebus.schemas.Owner owner() {
        return set != null ? set.owner() : request.owner();
    }

    public String requestId() {
        return requestId;
    }
}
