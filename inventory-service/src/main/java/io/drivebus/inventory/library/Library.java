package io.drivebus.inventory.library;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A library (Amanda: changer) as its agent last reported it. Written by the projection only. */
@Entity
@Table(name = "library")
public class Library extends PanacheEntityBase {
    @Id
    public String id;
    public String host;
    public String driver;
    public String vendor;
    @Column(name = "fast_search")
    public boolean fastSearch;
    @Column(name = "heartbeat_interval_ms")
    public Long heartbeatIntervalMs;
    @Column(name = "status_sequence")
    public long statusSequence;
    @Column(name = "last_status_at")
    public Instant lastStatusAt;
    /** Amanda's current slot and slot count, as the latest changer result tells them (null before any). */
    @Column(name = "current_slot")
    public Integer currentSlot;
    @Column(name = "num_slots")
    public Integer numSlots;
    /** Time of the changer result the two above come from; an older result never overwrites them. */
    @Column(name = "changer_at")
    public Instant changerAt;
}
