package io.drivebus.reservation.core;

import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Instant;

/** A reserve request that could not be served yet and asked to wait (Bareos' fair queue). */
public final class Waiter {
    String requestId;
    ReserveRequest request;
    /** Order of arrival within the library; ties in priority are served by it. */
    long arrival;
    Instant deadline;
    /** Last position told to the requester, so it is told again only when it changes. */
    int toldPosition;

    Waiter() {
    }

    Waiter(String requestId, ReserveRequest request, long arrival, Instant deadline) {
        this.requestId = requestId;
        this.request = request;
        this.arrival = arrival;
        this.deadline = deadline;
    }

    /** Bareos' convention: a lower number is served first; 10 when not given. */
    int priority() {
        return request.priority() == null ? WaitQueue.DEFAULT_PRIORITY : request.priority();
    }

    public String requestId() {
        return requestId;
    }
}
