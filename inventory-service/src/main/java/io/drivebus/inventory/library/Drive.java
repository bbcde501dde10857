package io.drivebus.inventory.library;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;

/** A drive as its agent last reported it, or as the last command result on it changed it. */
@Entity
@Table(name = "drive")
@IdClass(DriveKey.class)
public class Drive extends PanacheEntityBase {
    @Id
    @Column(name = "library_id")
    public String libraryId;
    @Id
    @Column(name = "drive_id")
    public String driveId;
    @Column(name = "device_path")
    public String devicePath;
    /** empty | loaded | busy | error | offline (the agent's DriveState). */
    public String state;
    @Column(name = "media_type")
    public String mediaType;
    public String label;
    public String barcode;
    @Column(name = "source_slot")
    public Integer sourceSlot;
    public String error;
    /** The highest fencing token the agent has accepted for this drive. */
    @Column(name = "highest_token")
    public long highestToken;
    /** Agent time of what this row reflects; older news never overwrites it. */
    @Column(name = "state_at")
    public Instant stateAt;

    /** Whether news from the agent at {@code at} is at least as recent as what this row shows. */
    public boolean olderThan(Instant at) {
        return stateAt == null || !stateAt.isAfter(at);
    }
}
