package io.drivebus.inventory.library;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;

/** A storage slot (Amanda: FULL / EMPTY / UNKNOWN with the label of its volume). */
@Entity
@Table(name = "slot")
@IdClass(SlotKey.class)
public class Slot extends PanacheEntityBase {
    @Id
    @Column(name = "library_id")
    public String libraryId;
    @Id
    public Integer slot;
    /** FULL | EMPTY | UNKNOWN (the agent's SlotState). */
    public String state;
    public String label;
    public String barcode;
    @Column(name = "import_export")
    public boolean importExport;
    @Column(name = "state_at")
    public Instant stateAt;

    public boolean olderThan(Instant at) {
        return stateAt == null || !stateAt.isAfter(at);
    }
}
