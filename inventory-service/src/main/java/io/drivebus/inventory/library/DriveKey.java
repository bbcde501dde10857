package io.drivebus.inventory.library;

import java.io.Serializable;
import java.util.Objects;

/** A drive is named by its library and its id within it. */
public class DriveKey implements Serializable {
    public String libraryId;
    public String driveId;

    public DriveKey() {
    }

    public DriveKey(String libraryId, String driveId) {
        this.libraryId = libraryId;
        this.driveId = driveId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DriveKey k && Objects.equals(libraryId, k.libraryId) && Objects.equals(driveId, k.driveId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(libraryId, driveId);
    }
}
