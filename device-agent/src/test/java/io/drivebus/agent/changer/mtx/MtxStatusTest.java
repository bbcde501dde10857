package io.drivebus.agent.changer.mtx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser on the captured outputs (copies of ../shared/fixtures/mtx) and on the other forms real libraries print. */
class MtxStatusTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = MtxStatusTest.class.getResourceAsStream("/mtx/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void emptyLibrary() throws Exception {
        MtxStatus s = MtxStatus.parse(fixture("status-empty.txt"));
        assertEquals("/dev/sg0", s.changer());
        assertEquals(2, s.declaredDrives());
        assertEquals(24, s.declaredSlots());
        assertEquals(4, s.declaredImportExport());
        assertEquals(2, s.drives().size());
        assertEquals(24, s.slots().size());
        assertEquals(new MtxStatus.DriveElement(0, false, null, null, null), s.drive(0));
        assertEquals(new MtxStatus.DriveElement(1, false, null, null, null), s.drive(1));
        for (MtxStatus.StorageElement e : s.slots()) {
            assertFalse(e.full());
            assertEquals(e.slot() >= 21, e.importExport(), "slot " + e.slot());
        }
        assertEquals(new MtxStatus.StorageElement(21, false, true, null, null), s.slot(21));
        assertEquals(new MtxStatus.StorageElement(20, false, false, null, null), s.slot(20));
    }

    @Test
    void drive0LoadedFromSlot2() throws Exception {
        MtxStatus s = MtxStatus.parse(fixture("status-loaded-drive0.txt"));
        assertEquals(new MtxStatus.DriveElement(0, true, 2, "000002L8", null), s.drive(0));
        assertEquals(new MtxStatus.DriveElement(1, false, null, null, null), s.drive(1));
        assertEquals(new MtxStatus.StorageElement(1, true, false, "000001L8", null), s.slot(1));
        assertFalse(s.slot(2).full());
        for (int n = 3; n <= 8; n++) {
            assertEquals(new MtxStatus.StorageElement(n, true, false, String.format("%06dL8", n), null), s.slot(n));
        }
        for (int n = 9; n <= 24; n++) {
            assertFalse(s.slot(n).full(), "slot " + n);
        }
        assertEquals(8 - 1, s.slots().stream().filter(MtxStatus.StorageElement::full).count());
    }

    @Test
    void drive1LoadedFromSlot6() throws Exception {
        MtxStatus s = MtxStatus.parse(fixture("status-loaded-drive1.txt"));
        assertEquals(new MtxStatus.DriveElement(0, false, null, null, null), s.drive(0));
        assertEquals(new MtxStatus.DriveElement(1, true, 6, "000006L8", null), s.drive(1));
        assertEquals("000002L8", s.slot(2).tag());
        assertFalse(s.slot(6).full());
        assertTrue(s.slot(24).importExport());
    }

    @Test
    void importExportSlotHoldingATape() {
        MtxStatus s = MtxStatus.parse("      Storage Element 21 IMPORT/EXPORT:Full :VolumeTag=000021L8\n");
        assertEquals(new MtxStatus.StorageElement(21, true, true, "000021L8", null), s.slot(21));
        assertNull(s.changer());
    }

    @Test
    void driveWithUnknownSourceSlot() {
        MtxStatus s = MtxStatus.parse("Data Transfer Element 1:Full (Unknown Storage Element Loaded):VolumeTag = 000009L8\n");
        assertEquals(new MtxStatus.DriveElement(1, true, null, "000009L8", null), s.drive(1));
    }

    @Test
    void libraryWithoutBarcodeReader() {
        MtxStatus s = MtxStatus.parse("""
                  Storage Changer /dev/sg3:1 Drives, 3 Slots ( 0 Import/Export )
                Data Transfer Element 0:Full (Storage Element 2 Loaded)
                      Storage Element 1:Full\s
                      Storage Element 2:Empty
                      Storage Element 3:Full
                """);
        assertEquals(new MtxStatus.DriveElement(0, true, 2, null, null), s.drive(0));
        assertEquals(new MtxStatus.StorageElement(1, true, false, null, null), s.slot(1));
        assertEquals(new MtxStatus.StorageElement(3, true, false, null, null), s.slot(3));
        assertEquals(0, s.declaredImportExport());
    }

    @Test
    void alternateVolumeTagSuffix() {
        MtxStatus s = MtxStatus.parse("""
                Data Transfer Element 0:Full (Storage Element 5 Loaded):VolumeTag = 000005L8    :AlternateVolumeTag = ALT5  \s
                      Storage Element 4:Full :VolumeTag=000004L8                        :AlternateVolumeTag=ALT4
                      Storage Element 6 IMPORT/EXPORT:Full :VolumeTag=000006L8:AlternateVolumeTag=ALT6
                """);
        assertEquals(new MtxStatus.DriveElement(0, true, 5, "000005L8", "ALT5"), s.drive(0));
        assertEquals(new MtxStatus.StorageElement(4, true, false, "000004L8", "ALT4"), s.slot(4));
        assertEquals(new MtxStatus.StorageElement(6, true, true, "000006L8", "ALT6"), s.slot(6));
    }

    @Test
    void garbageIsRejectedWithTheLine() {
        assertThrows(IllegalArgumentException.class, () -> MtxStatus.parse("mtx: cannot open SCSI device '/dev/sg0'\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MtxStatus.parse("Data Transfer Element 0:Sideways\n"));
        assertTrue(e.getMessage().contains("Data Transfer Element 0:Sideways"), e.getMessage());
    }
}
