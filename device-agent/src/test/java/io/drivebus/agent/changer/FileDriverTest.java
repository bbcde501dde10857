package io.drivebus.agent.changer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.ErrorReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixed devices: slot n is device n, media never move. */
class FileDriverTest {

    @TempDir
    Path dir;
    FileDriver lib;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(dir.resolve("disk1"), VolumeLabels.header(new Volume("DISK01", null)) + "data");
        Files.writeString(dir.resolve("disk2"), "");
        lib = FileDriver.of(List.of("f1=" + dir.resolve("disk1"), "f2=" + dir.resolve("disk2"), "f3=" + dir.resolve("absent")));
    }

    @Test
    void eachDeviceIsADriveHoldingItsOwnSlotsVolume() throws Exception {
        LibraryInventory inv = lib.status();
        assertEquals(List.of("f1", "f2", "f3"), lib.driveIds());
        assertEquals(new Volume("DISK01", null), inv.drives().get(0).volume());
        assertEquals(1, inv.drives().get(0).sourceSlot());
        assertEquals(new Volume(null, null), inv.drives().get(1).volume(), "unlabelled");
        assertNull(inv.drives().get(2).volume(), "no file: empty device");
        assertEquals(3, inv.slots().size());
        assertEquals(dir.resolve("disk1").toString(), inv.drives().get(0).devicePath());
    }

    @Test
    void loadAndUnloadOfTheOwnSlotMoveNothingOthersAreRefused() throws Exception {
        assertEquals("DISK01", lib.load("f1", 1).label());
        assertEquals(1, lib.unload("f1", null));
        assertEquals(1, lib.eject("f1", null));
        assertEquals("DISK01", lib.readLabel("f1").label(), "still there: media never move");
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> lib.load("f1", 2)).reason());
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> lib.unload("f1", 2)).reason());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> lib.load("f3", 3)).reason());
        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> lib.load("f9", 1)).reason());
        assertEquals(ErrorReason.notimpl, assertThrows(DriverException.class, () -> lib.transfer(1, 2)).reason());
    }

    @Test
    void labelAnUnlabelledDeviceButNotALabelledOneUnlessForced() throws Exception {
        assertEquals(ErrorReason.device, assertThrows(DriverException.class, () -> lib.readLabel("f2")).reason());
        assertEquals("DISK02", lib.writeLabel("f2", "DISK02", false).label());
        assertTrue(Files.readString(dir.resolve("disk2")).startsWith("DRIVEBUS-VOLUME label=DISK02"));
        assertEquals(ErrorReason.invalid, assertThrows(DriverException.class, () -> lib.writeLabel("f1", "X", false)).reason());
        assertEquals("X", lib.writeLabel("f1", "X", true).label());
        assertEquals(ErrorReason.empty, assertThrows(DriverException.class, () -> lib.writeLabel("f3", "Y", true)).reason());
    }
}
