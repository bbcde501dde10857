package io.drivebus.agent.changer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.ErrorReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VtapeDriverTest {

    @TempDir
    Path dir;
    VtapeDriver lib;

    @BeforeEach
    void create() {
        lib = VtapeDriver.create(dir.resolve("lib"), 5, List.of("d0", "d1"), "DEMO");
    }

    @Test
    void createFillsEverySlotWithALabelledVolume() throws Exception {
        LibraryInventory inv = lib.status();
        assertEquals(5, inv.slots().size());
        for (int s = 1; s <= 5; s++) {
            LibraryInventory.Slot slot = inv.slots().get(s - 1);
            assertEquals(s, slot.slot());
            assertEquals(new Volume("DEMO00" + s, "DEMO00" + s + "L8"), slot.volume());
        }
        assertEquals("DRIVEBUS-VOLUME label=DEMO003 barcode=DEMO003L8",
                Files.readAllLines(dir.resolve("lib/slots/3/volume"), StandardCharsets.UTF_8).get(0));
        assertEquals(List.of("d0", "d1"), inv.drives().stream().map(LibraryInventory.Drive::id).toList());
        LibraryInventory.Drive d0 = inv.drives().get(0);
        assertNull(d0.volume());
        assertEquals(dir.resolve("lib/drives/d0").toAbsolutePath().toString(), d0.devicePath());
        assertTrue(Files.isRegularFile(dir.resolve("lib/library.properties")));

        // the directory is the library: opening it again sees the same thing; creating over it is refused
        assertEquals(inv, VtapeDriver.open(dir.resolve("lib")).status());
        assertThrows(IllegalStateException.class, () -> VtapeDriver.create(dir.resolve("lib"), 5, List.of("d0"), "X"));
    }

    @Test
    void loadMovesTheVolumeIntoTheDriveAndUnloadPutsItBack() throws Exception {
        assertEquals(new Volume("DEMO003", "DEMO003L8"), lib.load("d0", 3));
        assertFalse(Files.exists(dir.resolve("lib/slots/3/volume")));
        assertTrue(Files.exists(dir.resolve("lib/drives/d0/volume")));
        LibraryInventory inv = lib.status();
        assertNull(inv.slots().get(2).volume());
        assertEquals("DEMO003", inv.drives().get(0).volume().label());
        assertEquals(3, inv.drives().get(0).sourceSlot());
        assertEquals(new Volume("DEMO003", "DEMO003L8"), lib.readLabel("d0"));

        // a redelivered load of the same slot moves nothing
        assertEquals(new Volume("DEMO003", "DEMO003L8"), lib.load("d0", 3));

        assertEquals(3, lib.unload("d0", null));
        inv = lib.status();
        assertEquals("DEMO003", inv.slots().get(2).volume().label());
        assertNull(inv.drives().get(0).volume());
        assertNull(inv.drives().get(0).sourceSlot());
        assertFalse(Files.exists(dir.resolve("lib/drives/d0/source")));
    }

    @Test
    void unloadToAnotherSlot() throws Exception {
        lib.load("d0", 1);
        lib.load("d1", 2);
        assertEquals(2, lib.unload("d0", 2));
        assertEquals("DEMO001", lib.status().slots().get(1).volume().label());
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> lib.unload("d1", 2)).reason());
        assertEquals(1, lib.unload("d1", 1));
        assertEquals("DEMO002", lib.status().slots().get(0).volume().label());
    }

    @Test
    void loadIntoAnOccupiedDriveReturnsTheOldVolumeToItsSlotFirst() throws Exception {
        lib.load("d0", 1);
        assertEquals("DEMO002", lib.load("d0", 2).label());
        LibraryInventory inv = lib.status();
        assertEquals("DEMO001", inv.slots().get(0).volume().label());
        assertNull(inv.slots().get(1).volume());
        assertEquals("DEMO002", inv.drives().get(0).volume().label());
        assertEquals(2, inv.drives().get(0).sourceSlot());
    }

    @Test
    void loadRefusesWhenTheOldVolumeCannotGoBackAndMovesNothing() throws Exception {
        lib.load("d0", 1);
        lib.load("d1", 2);
        lib.unload("d1", 1); // DEMO002 now sits in slot 1, where d0's DEMO001 came from
        DriverException e = assertThrows(DriverException.class, () -> lib.load("d0", 3));
        assertEquals(ErrorReason.invalid, e.reason());
        LibraryInventory inv = lib.status();
        assertEquals("DEMO001", inv.drives().get(0).volume().label());
        assertEquals("DEMO003", inv.slots().get(2).volume().label());
    }

    @Test
    void errorsAreTyped() {
        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> lib.load("d9", 1)).reason());
        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> lib.load("d0", 6)).reason());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> lib.unload("d0", null)).reason());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> lib.readLabel("d0")).reason());
    }

    @Test
    void loadOfAnEmptySlotIsEmpty() throws Exception {
        lib.load("d1", 4);
        DriverException e = assertThrows(DriverException.class, () -> lib.load("d0", 4));
        assertEquals(ErrorReason.empty, e.reason());
    }

    @Test
    void aVolumeWithoutHeaderIsUnlabelled() throws Exception {
        Files.writeString(dir.resolve("lib/slots/5/volume"), "some data\n");
        assertNull(lib.status().slots().get(4).volume().label());
        assertNull(lib.load("d0", 5).label());
        assertEquals(ErrorReason.device, assertThrows(DriverException.class, () -> lib.readLabel("d0")).reason());
    }

    @Test
    void importExportSlotsAreCreatedEmptyAndTransferMovesBetweenSlots() throws Exception {
        VtapeDriver ie = VtapeDriver.create(dir.resolve("ie"), 6, List.of("d0"), "IE", 2);
        LibraryInventory inv = ie.status();
        assertEquals(java.util.Set.of(5, 6), ie.importExportSlots());
        assertTrue(inv.slots().get(4).importExport());
        assertNull(inv.slots().get(4).volume());
        assertFalse(inv.slots().get(3).importExport());
        assertEquals("IE004", inv.slots().get(3).volume().label());

        assertEquals(new Volume("IE002", "IE002L8"), ie.transfer(2, 5));
        inv = VtapeDriver.open(dir.resolve("ie")).status();
        assertNull(inv.slots().get(1).volume());
        assertEquals("IE002", inv.slots().get(4).volume().label());
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> ie.transfer(1, 5)).reason());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> ie.transfer(2, 6)).reason());
        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> ie.transfer(1, 7)).reason());
    }

    @Test
    void labelRefusesToOverwriteALabelledVolumeUnlessForced() throws Exception {
        Files.writeString(dir.resolve("lib/slots/5/volume"), "old data without header\n");
        lib.load("d0", 5);
        assertEquals(new Volume("FRESH5", null), lib.writeLabel("d0", "FRESH5", false));
        assertEquals("FRESH5", lib.readLabel("d0").label());
        DriverException e = assertThrows(DriverException.class, () -> lib.writeLabel("d0", "OTHER", false));
        assertEquals(ErrorReason.invalid, e.reason());
        assertEquals("FRESH5", lib.readLabel("d0").label(), "untouched");

        lib.load("d1", 3);
        assertEquals(new Volume("RELABEL", "DEMO003L8"), lib.writeLabel("d1", "RELABEL", true), "the barcode stays");
        lib.unload("d1", null);
        assertEquals("RELABEL", lib.status().slots().get(2).volume().label());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> lib.writeLabel("d1", "X", true)).reason());
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> lib.writeLabel("d0", "bad label", true)).reason());
    }

    @Test
    void simulatedMotionTimeDelaysTheMove() throws Exception {
        lib.simulateMotionTime(java.time.Duration.ofMillis(300));
        long t0 = System.nanoTime();
        lib.load("d0", 1);
        assertTrue(System.nanoTime() - t0 >= 300_000_000L);
    }
}
