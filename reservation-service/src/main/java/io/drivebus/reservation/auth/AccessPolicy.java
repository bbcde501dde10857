package io.drivebus.reservation.auth;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import java.util.Optional;

/**
 * What an authenticated principal may ask for and report, beyond what Kafka ACLs can express (they cannot look
 * inside a record): the owner a request names must be one the principal acts for, so an owner cannot be forged; break
 * and changer operations need their roles; an agent may report only for its own host, and not for a library another
 * live agent serves. Plain Java: no I/O.
 */
public final class AccessPolicy {

    /** Why {@code p} may not send {@code r}, or empty when it may. */
    public Optional<DrivebusError> mayRequest(Principal p, ReservationRequest r) {
        if (r instanceof BreakRequest b) {
            if (!p.actsFor(b.operator().site())) {
                return deny("principal " + p.name() + " may not act as operator " + b.operator());
            }
            boolean allowed = b.scope() == BreakScope.any ? p.has(Principal.BREAK_ANY) : p.has(Principal.BREAK_SITE) || p.has(Principal.BREAK_ANY);
            return allowed ? Optional.empty() : deny("principal " + p.name() + " has no " + b.scope() + " break rights");
        }
        if (r instanceof ChangerRequest c && c.op() != ChangerOp.info && !p.has(Principal.CHANGER)) {
            return deny("principal " + p.name() + " may not " + c.op() + " a library (role " + Principal.CHANGER + ")");
        }
        Owner owner = r.requester();
        if (!p.actsFor(owner.site())) {
            return deny("principal " + p.name() + " may not act for owner " + owner);
        }
        return Optional.empty();
    }

    /**
     * Why {@code p} may not report {@code host}'s status or results for a library, or empty when it may.
     *
     * @param servedBy the host now serving the library (null when none has reported); {@code servedAlive} whether it
     *                 still heartbeats — a library moves to another host only once its old agent has gone quiet
     */
    public Optional<String> mayReport(Principal p, String host, String library, String servedBy, boolean servedAlive) {
        if (!p.hosts().contains(host)) {
            return Optional.of("principal " + p.name() + " may not speak for host '" + host + "'");
        }
        if (servedBy != null && !servedBy.equals(host) && servedAlive) {
            return Optional.of("library '" + library + "' is served by host '" + servedBy + "', not '" + host + "'");
        }
        return Optional.empty();
    }

    private static Optional<DrivebusError> deny(String why) {
        return Optional.of(DrivebusError.failed(ErrorReason.unauthorized, why));
    }
}
