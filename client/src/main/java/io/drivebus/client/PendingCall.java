package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * One request waiting for its answer(s): the events whose envelope correlationId is {@link #requestId}.
 * {@link #onEvent} runs on the client's poll thread only; the future may also be completed by the timer.
 */
abstract class PendingCall<T> {

    final String requestId;
    final String library;
    final Owner owner;
    /** The events partitions the answers may come on: the library's, and each candidate library's. */
    final Set<TopicPartition> partitions;
    final CompletableFuture<T> future = new CompletableFuture<>();
    volatile ScheduledFuture<?> timer;

    PendingCall(String requestId, String library, Owner owner, Set<TopicPartition> partitions) {
        this.requestId = requestId;
        this.library = library;
        this.owner = owner;
        this.partitions = partitions;
    }

    /** Another request's id whose events this call also wants (a cancel's answer names the withdrawn request). */
    String watchedRequestId() {
        return null;
    }

    /** An event correlated to {@link #watchedRequestId()}. */
    void onWatchedEvent(ReservationEvent event) {
    }

    abstract void onEvent(ReservationEvent event);

    /** What to tell the service when the caller gives up, so it keeps no waiter or grant nobody uses. */
    ReservationRequest abandonRequest() {
        return null;
    }

    void fail(DrivebusError error) {
        future.completeExceptionally(new DrivebusException(error, requestId));
    }

    /** An event that ends the request without the answer this call wanted. */
    void failUnexpected(ReservationEvent event) {
        if (event instanceof ReservationDenied d) {
            future.completeExceptionally(new DrivebusException(d.error(), requestId));
        } else if (event instanceof ReservationExpired x && x.what() == ExpiryKind.wait) {
            future.completeExceptionally(new DrivebusTimeoutException(
                    "the request's wait timeout in library " + library + " ran out", requestId, true));
        } else if (event instanceof ReservationExpired x) {
            fail(DrivebusError.failed(ErrorReason.unknown, "the lease of reservation " + x.reservationId() + " expired"));
        } else if (event instanceof ReservationBroken b) {
            fail(DrivebusError.failed(ErrorReason.unknown, "reservation " + b.reservationId() + " was broken by "
                    + b.operator() + (b.reason() == null ? "" : ": " + b.reason())));
        } else if (event instanceof ReservationCancelled) {
            fail(DrivebusError.failed(ErrorReason.unknown, "the request was cancelled"));
        } else if (event.endsRequest()) {
            fail(DrivebusError.failed(ErrorReason.unknown, "unexpected answer " + event.getClass().getSimpleName()));
        }
        // queued / granted / renewed for a call that does not expect them: not an end, keep waiting
    }

    /** Reserve: queued* -> granted(motion=false) | granted(motion=true) -> ready; or denied / expired. */
    static final class Reserve extends PendingCall<Reservation> {
        private final ReservationListener listener;
        private volatile ReservationGranted grant;

        Reserve(String requestId, ReserveRequest request, Set<TopicPartition> partitions, ReservationListener listener) {
            super(requestId, request.library(), request.owner(), partitions);
            this.listener = listener == null ? ReservationListener.NONE : listener;
        }

        @Override
        void onEvent(ReservationEvent event) {
            if (event instanceof ReservationQueued q) {
                notify(() -> listener.queued(q.position()));
            } else if (event instanceof ReservationGranted g) {
                grant = g;
                if (g.motion()) {
                    notify(() -> listener.loading(g));
                } else {
                    future.complete(Reservation.of(g, requestId));
                }
            } else if (event instanceof ReservationReady r) {
                future.complete(Reservation.of(grant, r, requestId));
            } else {
                failUnexpected(event);
            }
        }

        @Override
        ReservationRequest abandonRequest() {
            ReservationGranted g = grant;
            // granted but not yet ready: give the drive back; still waiting: leave the queue
            return g != null ? new ReleaseRequest(g.library(), g.reservationId(), owner, null)
                    : new CancelRequest(library, requestId, owner);
        }

        static void notifySafely(Runnable r) {
            notify(r);
        }

        private static void notify(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // a listener's bug must not stop the poll thread
            }
        }
    }

    /** Release and renew: one answer of the expected type, or a denial. */
    static final class Answer<E extends ReservationEvent> extends PendingCall<E> {
        private final Class<E> expected;

        Answer(String requestId, String library, Owner owner, Set<TopicPartition> partitions, Class<E> expected) {
            super(requestId, library, owner, partitions);
            this.expected = expected;
        }

        @Override
        void onEvent(ReservationEvent event) {
            if (expected.isInstance(event)) {
                future.complete(expected.cast(event));
            } else {
                failUnexpected(event);
            }
        }
    }

    /**
     * Cancel: a waiting (or still loading) request is answered {@code cancelled} under the withdrawn request's id; a
     * request already ready is answered {@code released} under the cancel's own id; a denial under the cancel's id.
     */
    static final class Cancel extends PendingCall<ReservationEvent> {
        private final String target;

        Cancel(String requestId, CancelRequest request, Set<TopicPartition> partitions) {
            super(requestId, request.library(), request.owner(), partitions);
            this.target = request.requestId();
        }

        @Override
        String watchedRequestId() {
            return target;
        }

        @Override
        void onWatchedEvent(ReservationEvent event) {
            if (event instanceof ReservationCancelled) {
                future.complete(event);
            }
            // queued / granted / ready of the withdrawn request: the cancel's own answer follows
        }

        @Override
        void onEvent(ReservationEvent event) {
            if (event instanceof ReservationReleased || event instanceof ReservationCancelled) {
                future.complete(event);
            } else {
                failUnexpected(event);
            }
        }
    }

    /** A multi-device set: queued*, granted/ready per member, then set-ready for all; or denied / expired. */
    static final class ReserveSet extends PendingCall<ReservationSetReady> {
        private final ReservationListener listener;
        private volatile boolean granted;

        ReserveSet(String requestId, ReserveSetRequest request, Set<TopicPartition> partitions, ReservationListener listener) {
            super(requestId, request.library(), request.owner(), partitions);
            this.listener = listener == null ? ReservationListener.NONE : listener;
        }

        @Override
        void onEvent(ReservationEvent event) {
            if (event instanceof ReservationSetReady r) {
                future.complete(r);
            } else if (event instanceof ReservationQueued q) {
                Reserve.notifySafely(() -> listener.queued(q.position()));
            } else if (event instanceof ReservationGranted g) {
                granted = true;
                if (g.motion()) {
                    Reserve.notifySafely(() -> listener.loading(g));
                }
            } else if (!(event instanceof ReservationReady)) {
                failUnexpected(event); // a member's ready is not the end: the set's is
            }
        }

        @Override
        ReservationRequest abandonRequest() {
            // releasing the set's request id releases every member
            return granted ? new ReleaseRequest(library, requestId, owner, null) : new CancelRequest(library, requestId, owner);
        }
    }
}
