package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chaos harness' convergence rule (invariant 4): an inventory against the agent's status of its library. */
class InventoryTest {
    private static final LibraryStatus STATUS = new LibraryStatus("demo", "host-1", "vtape", null, false,
            List.of(new DriveStatus("d0", "/dev/nst0", DriveState.loaded, "LTO", "DEMO002", null, 2, null, 7)),
            List.of(new SlotStatus(1, SlotState.FULL, "DEMO001", null, false), new SlotStatus(2, SlotState.EMPTY, null, null, false)),
            41, 2000);

    @Test
    void theAgentsStatusWithNothingReservedHasConverged() throws Exception {
        assertEquals("", Inventory.differences(STATUS, inventory("FULL", "DEMO001", false, "DEMO002", "null")));
    }

    @Test
    void aVolumeElsewhereOrAReservationLeftIsNot() throws Exception {
        assertTrue(Inventory.differences(STATUS, inventory("EMPTY", null, false, "DEMO002", "null")).startsWith("slot 1: agent FULL DEMO001"));
        assertTrue(Inventory.differences(STATUS, inventory("FULL", "DEMO001", true, "DEMO002", "null")).startsWith("slot 1 still reserved"));
        assertTrue(Inventory.differences(STATUS, inventory("FULL", "DEMO001", false, "DEMO009", "null")).startsWith("drive d0: agent loaded DEMO002"));
        assertTrue(Inventory.differences(STATUS, inventory("FULL", "DEMO001", false, "DEMO002", "{\"id\":\"r1\"}"))
                .startsWith("drive d0 still reserved"));
    }

    private static JsonNode inventory(String slot1State, String slot1Label, boolean slot1Reserved, String driveLabel, String reservation)
            throws Exception {
        return Inventory.JSON.readTree("""
                {"library":"demo","statusSequence":41,
                 "slots":[{"slot":1,"state":"%s","label":%s,"reserved":%s},{"slot":2,"state":"EMPTY","reserved":false}],
                 "drives":[{"id":"d0","state":"loaded","label":"%s","sourceSlot":2,"reservation":%s}]}
                """.formatted(slot1State, slot1Label == null ? "null" : "\"" + slot1Label + "\"", slot1Reserved, driveLabel, reservation));
    }
}
