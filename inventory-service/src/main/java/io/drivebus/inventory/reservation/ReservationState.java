package io.drivebus.inventory.reservation;

/**
 * Where a reservation is in its life. States only move forward (by rank): a redelivered or late {@code granted}
 * never undoes {@code ready}, and the final states never change again.
 */
public enum ReservationState {
    granted(1), ready(2), released(3), expired(3), broken(3), denied(3), cancelled(3);

    private final int rank;

    ReservationState(int rank) {
        this.rank = rank;
    }

    public boolean isActive() {
        return this == granted || this == ready;
    }

    public boolean isFinal() {
        return rank == 3;
    }

    public boolean isAfter(ReservationState other) {
        return other == null || rank > other.rank;
    }
}
