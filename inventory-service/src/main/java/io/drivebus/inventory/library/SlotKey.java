package io.drivebus.inventory.library;

import java.io.Serializable;
import java.util.Objects;

/** A slot is named by its library and its number within it. */
public class SlotKey implements Serializable {
    public String libraryId;
    public Integer slot;

    public SlotKey() {
    }

    public SlotKey(String libraryId, Integer slot) {
        this.libraryId = libraryId;
        this.slot = slot;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlotKey k && Objects.equals(libraryId, k.libraryId) && Objects.equals(slot, k.slot);
    }

    @Override
    public int hashCode() {
        return Objects.hash(libraryId, slot);
    }
}
