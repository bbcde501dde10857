package io.drivebus.reservation.core;

import java.util.Comparator;

/** Order of the per-library wait queue: priority (lower first), then arrival. */
final class WaitQueue {
    static final int DEFAULT_PRIORITY = 10;
    static final Comparator<Waiter> ORDER = Comparator.comparingInt(Waiter::priority).thenComparingLong(w -> w.arrival);

    private WaitQueue() {
    }
}
