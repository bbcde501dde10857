package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A held {@link Reservation} whose lease the client renews in the background — at a third of the lease, so two
 * renewals may be lost before it lapses — until {@link #close()} releases it:
 *
 * <pre>{@code
 * try (Lease drive = client.hold(ReserveRequest.bySlot("lib1", null, 3), Duration.ofMinutes(5))) {
 *     write(drive.devicePath(), drive.token());
 * }
 * }</pre>
 *
 * <p>A lease can be lost (the service expired it after renewals failed, or an operator broke it): then
 * {@link #lost()} completes with the reason and the fencing token is no longer good; stop using the drive.
 */
public final class Lease implements AutoCloseable {

    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private final DrivebusClient client;
    private final Duration leaseLength;
    private final Duration interval;
    private final CompletableFuture<DrivebusException> lost = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Reservation reservation;
    private volatile ScheduledFuture<?> next;

    Lease(DrivebusClient client, Reservation reservation, Duration leaseLength) {
        this.client = client;
        this.reservation = reservation;
        this.leaseLength = leaseLength;
        Duration length = leaseLength != null ? leaseLength
                : reservation.leaseExpiresAt() == null ? Duration.ofMinutes(5)
                : Duration.between(Instant.now(), reservation.leaseExpiresAt());
        Duration third = length.dividedBy(3);
        this.interval = third.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : third;
    }

    void start() {
        scheduleRenewal(interval);
    }

    /** The reservation, with the lease expiry of the latest renewal. */
    public Reservation reservation() {
        return reservation;
    }

    public String library() {
        return reservation.library();
    }

    public String reservationId() {
        return reservation.reservationId();
    }

    public String requestId() {
        return reservation.requestId();
    }

    public Owner owner() {
        return reservation.owner();
    }

    public String drive() {
        return reservation.drive();
    }

    public String devicePath() {
        return reservation.devicePath();
    }

    public Integer slot() {
        return reservation.slot();
    }

    /** The volume's label. */
    public String label() {
        return reservation.label();
    }

    /** The fencing token every device command of this reservation runs under. */
    public long token() {
        return reservation.token();
    }

    public Instant leaseExpiresAt() {
        return reservation.leaseExpiresAt();
    }

    /** How often the background renewal runs. */
    public Duration renewInterval() {
        return interval;
    }

    /** Completes when the lease is lost (expired, broken, released by someone else); never completes normally otherwise. */
    public CompletableFuture<DrivebusException> lost() {
        return lost;
    }

    public boolean isLost() {
        return lost.isDone();
    }

    /** Renews now (besides the background renewals) and returns the new expiry. */
    public Instant renew() {
        return DrivebusClient.await(renewAsync());
    }

    private CompletableFuture<Instant> renewAsync() {
        Reservation r = reservation;
        return client.renewAsync(new RenewRequest(r.library(), r.reservationId(), r.owner(),
                leaseLength == null ? null : leaseLength.toMillis()), renewTimeout())
                .thenApply(LeaseRenewed::leaseExpiresAt)
                .whenComplete((until, e) -> {
                    if (until != null) {
                        reservation = withExpiry(reservation, until);
                    }
                });
    }

    /** A renewal must not outlast the time left for the next try. */
    private Duration renewTimeout() {
        Duration t = client.config().requestTimeout();
        return t.compareTo(interval) > 0 ? interval : t;
    }

    private void scheduleRenewal(Duration delay) {
        if (closed.get() || lost.isDone()) {
            return;
        }
        next = client.schedule(this::renewInBackground, delay);
    }

    private void renewInBackground() {
        if (closed.get() || lost.isDone()) {
            return;
        }
        renewAsync().whenComplete((until, e) -> {
            if (e == null) {
                scheduleRenewal(interval);
                return;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            DrivebusException d = cause instanceof DrivebusException x ? x
                    : new DrivebusException(DrivebusError.failed(ErrorReason.unknown, String.valueOf(cause)), null, cause);
            Instant expiry = reservation.leaseExpiresAt();
            boolean gone = !(d instanceof DrivebusTimeoutException) && d.reason() != ErrorReason.unknown;
            if (gone || !client.isOpen() || (expiry != null && Instant.now().isAfter(expiry))) {
                // notfound / unauthorized: the service no longer knows it as ours (expired, broken)
                lost.complete(d);
            } else {
                // the bus or the service is slow: try again sooner, the lease still has two thirds left
                Duration retry = interval.dividedBy(3);
                scheduleRenewal(retry.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : retry);
            }
        });
    }

    /** Stops renewing without releasing (the lease then lapses unless someone else renews it). */
    public void abandon() {
        closed.set(true);
        ScheduledFuture<?> n = next;
        if (n != null) {
            n.cancel(false);
        }
    }

    /**
     * Stops renewing and releases the reservation (the volume stays in the drive unless {@code unload}). Returns null
     * when it was already released or lost.
     */
    public ReservationReleased release(boolean unload) {
        if (!closed.compareAndSet(false, true)) {
            return null;
        }
        ScheduledFuture<?> n = next;
        if (n != null) {
            n.cancel(false);
        }
        if (lost.isDone()) {
            return null;
        }
        return client.release(reservation, unload);
    }

    /** Releases the reservation (once; later calls do nothing). */
    @Override
    public void close() {
        release(false);
    }

    private static Reservation withExpiry(Reservation r, Instant until) {
        return new Reservation(r.library(), r.reservationId(), r.owner(), r.job(), r.drive(), r.host(), r.devicePath(), r.slot(),
                r.label(), r.token(), until, r.requestId());
    }

    @Override
    public String toString() {
        return "Lease[" + reservation + "]";
    }
}
