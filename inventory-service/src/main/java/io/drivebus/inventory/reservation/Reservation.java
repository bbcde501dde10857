package io.drivebus.inventory.reservation;

import io.drivebus.schemas.Owner;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A reservation as the reservation-service's events describe it. The identity fields (owner, drive, slot, label,
 * token) are set by the first event that names them and never rewritten, so a late duplicate cannot change who
 * holds what.
 */
@Entity
@Table(name = "reservation")
public class Reservation extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "library_id")
    public String libraryId;
    @Column(name = "owner_key")
    public String ownerKey;
    @Column(name = "owner_site")
    public String ownerSite;
    public String job;
    @Column(name = "drive_id")
    public String driveId;
    public String host;
    @Column(name = "device_path")
    public String devicePath;
    public Integer slot;
    public String label;
    public String barcode;
    public Long token;
    @Enumerated(EnumType.STRING)
    public ReservationState state;
    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "ended_at")
    public Instant endedAt;
    @Column(name = "end_reason")
    public String endReason;
    @Column(name = "correlation_id")
    public String correlationId;

    public static Reservation create(String id, String libraryId, Instant at) {
        Reservation r = new Reservation();
        r.id = id;
        r.libraryId = libraryId;
        r.createdAt = at;
        r.updatedAt = at;
        return r;
    }

    public Owner owner() {
        return ownerKey == null ? null : new Owner(ownerKey, ownerSite);
    }

    public boolean isActive() {
        return state != null && state.isActive();
    }

    /** Fills what is still unknown; identity never changes once set. */
    public Reservation identify(Owner owner, String drive, Integer slot, String label, Long token) {
        if (ownerKey == null && owner != null) {
            ownerKey = owner.key();
            ownerSite = owner.site();
        }
        driveId = driveId != null ? driveId : drive;
        this.slot = this.slot != null ? this.slot : slot;
        this.label = this.label != null ? this.label : label;
        this.token = this.token != null ? this.token : token;
        return this;
    }

    /** Moves to {@code next} if that is forward; a final state is never left. Returns whether it moved. */
    public boolean advanceTo(ReservationState next, Instant at) {
        if (!next.isAfter(state)) {
            return false;
        }
        state = next;
        if (next.isFinal()) {
            endedAt = at;
        }
        touch(at);
        return true;
    }

    /** Leases only grow (renewals); once ended, the lease no longer matters. */
    public void extendLease(Instant until, Instant at) {
        if (until != null && !(state != null && state.isFinal()) && (leaseExpiresAt == null || until.isAfter(leaseExpiresAt))) {
            leaseExpiresAt = until;
            touch(at);
        }
    }

    public void touch(Instant at) {
        if (updatedAt == null || at.isAfter(updatedAt)) {
            updatedAt = at;
        }
    }
}
