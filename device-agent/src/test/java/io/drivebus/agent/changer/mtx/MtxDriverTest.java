package io.drivebus.agent.changer.mtx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.agent.changer.DriverException;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.Volume;
import io.drivebus.schemas.ErrorReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mtx driver end to end against the fake mtx/mt (a simulated 2-drive library, 6 slots, slot 6 import/export,
 * tapes 000001L8..000004L8 in slots 1-4, 000004L8 unlabelled).
 */
class MtxDriverTest {

    @TempDir
    Path dir;
    FakeChanger fake;
    MtxDriver driver;

    @BeforeEach
    void setUp() {
        fake = FakeChanger.create(dir.resolve("lib"), 2, 6, Set.of(6),
                Map.of(1, "000001L8", 2, "000002L8", 3, "000003L8", 4, "000004L8"), Set.of("000004L8"));
        driver = driver(Duration.ofSeconds(20), false, 3);
    }

    MtxDriver driver(Duration motionTimeout, boolean ejectBeforeUnload, int retries) {
        return new MtxDriver(fake.settings(motionTimeout, ejectBeforeUnload, retries, dir.resolve("labels.properties")));
    }

    @Test
    void statusShowsSlotsBarcodesAndImportExport() throws Exception {
        LibraryInventory inv = driver.status();
        assertEquals(List.of("t0", "t1"), inv.drives().stream().map(LibraryInventory.Drive::id).toList());
        assertEquals(fake.device(0).toString(), inv.drives().get(0).devicePath());
        assertNull(inv.drives().get(0).volume());
        assertEquals(6, inv.slots().size());
        assertEquals(new Volume(null, "000002L8"), inv.slots().get(1).volume(), "label unknown until the tape was read");
        assertTrue(inv.slots().get(5).importExport());
        assertNull(inv.slots().get(5).volume());
        assertTrue(inv.fastSearch(), "barcodes");
    }

    @Test
    void loadWaitsForOnlineReadsTheLabelAndRemembersIt() throws Exception {
        fake.set("ready_seconds", 0.4);
        long t0 = System.nanoTime();
        assertEquals(new Volume("TAPE03", "000003L8"), driver.load("t0", 3));
        assertTrue(System.nanoTime() - t0 >= 400_000_000L, "waited for mt status ONLINE");
        assertEquals(List.of("load 3 0"), fake.log());
        LibraryInventory.Drive d = driver.status().drives().get(0);
        assertEquals(new Volume("TAPE03", "000003L8"), d.volume());
        assertEquals(3, d.sourceSlot());
        assertEquals(3, driver.sourceSlot("t0"));
        assertEquals(new Volume("TAPE03", "000003L8"), driver.readLabel("t0"));

        // loading what the drive already holds moves nothing
        assertEquals("TAPE03", driver.load("t0", 3).label());
        assertEquals(List.of("load 3 0"), fake.log());

        // the label is remembered by barcode: the slot shows it after the unload, also for a new driver instance
        assertEquals(3, driver.unload("t0", null));
        assertEquals(List.of("load 3 0", "unload 3 0"), fake.log());
        assertEquals("TAPE03", driver.status().slots().get(2).volume().label());
        assertEquals("TAPE03", driver(Duration.ofSeconds(5), false, 0).status().slots().get(2).volume().label());
    }

    @Test
    void loadIntoAnOccupiedDrivePutsTheOldTapeBackFirst() throws Exception {
        driver.load("t1", 1);
        assertEquals("TAPE02", driver.load("t1", 2).label());
        assertEquals(List.of("load 1 1", "unload 1 1", "load 2 1"), fake.log());
        assertEquals("000001L8", fake.slotTape(1));
        assertEquals("000002L8", fake.driveTape(1));
    }

    @Test
    void mtxErrorsAreReportedWithMtxMessageAsDriveFaults() throws Exception {
        driver.load("t0", 1);
        DriverException full = assertThrows(DriverException.class, () -> driver.unload("t0", 3));
        assertEquals(ErrorReason.invalid, full.reason());
        assertTrue(full.getMessage().contains("Storage Element 3 is Already Full"), full.getMessage());
        assertTrue(full.driveFault());

        DriverException emptyDrive = assertThrows(DriverException.class, () -> driver.unload("t1", 5));
        assertEquals(ErrorReason.empty, emptyDrive.reason());
        assertTrue(emptyDrive.getMessage().contains("Data Transfer Element 1 is Empty"), emptyDrive.getMessage());

        DriverException emptySlot = assertThrows(DriverException.class, () -> driver.load("t1", 5));
        assertEquals(ErrorReason.empty, emptySlot.reason());
        assertTrue(emptySlot.getMessage().contains("Source Element Address 1004 is Empty"), emptySlot.getMessage());

        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> driver.load("t0", 9)).reason());
        assertEquals(ErrorReason.notfound, assertThrows(DriverException.class, () -> driver.load("t9", 1)).reason());
        assertEquals(List.of("load 1 0"), fake.log(), "no failed motion moved anything");
    }

    @Test
    void notReadyIsRetriedWithBackoffThenGivenUp() throws Exception {
        fake.set("not_ready", 2);
        fake.set("status_not_ready", 1);
        assertEquals("TAPE01", driver.load("t0", 1).label());
        assertEquals(List.of("load 1 0"), fake.log());
        assertEquals(0, fake.read().get("not_ready").asInt());

        fake.set("not_ready", 10);
        DriverException e = assertThrows(DriverException.class, () -> driver.load("t1", 2));
        assertEquals(ErrorReason.device, e.reason());
        assertTrue(e.getMessage().contains("Sense Key=Not Ready"), e.getMessage());
        assertTrue(e.driveFault());
        assertEquals(10 - 4, fake.read().get("not_ready").asInt(), "1 attempt + 3 retries, not forever");
    }

    @Test
    void aMotionThatOverrunsItsTimeoutIsKilledAndFails() throws Exception {
        MtxDriver quick = driver(Duration.ofMillis(1500), false, 0);
        quick.status();
        fake.set("motion_seconds", 20);
        long t0 = System.nanoTime();
        DriverException e = assertThrows(DriverException.class, () -> quick.load("t0", 1));
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(took < 8000, "took " + took + " ms");
        assertEquals(ErrorReason.device, e.reason());
        assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
        assertTrue(e.driveFault());
    }

    @Test
    void aDriveThatNeverComesOnlineFailsTheLoad() throws Exception {
        fake.set("ready_seconds", 60);
        DriverException e = assertThrows(DriverException.class, () -> driver(Duration.ofMillis(1500), false, 0).load("t0", 2));
        assertTrue(e.getMessage().contains("did not come ONLINE"), e.getMessage());
        assertTrue(e.driveFault());
    }

    @Test
    void ejectBeforeUnload() throws Exception {
        fake.set("needs_offline", true);
        MtxDriver ejecting = driver(Duration.ofSeconds(20), true, 0);
        ejecting.load("t0", 1);
        assertEquals(1, ejecting.unload("t0", null));
        assertEquals(List.of("load 1 0", "offline 0", "unload 1 0"), fake.log());

        // without the setting, "Drive needs offline before move" makes the driver eject and retry once
        driver.load("t1", 2);
        assertEquals(2, driver.unload("t1", null));
        assertEquals(List.of("load 1 0", "offline 0", "unload 1 0", "load 2 1", "offline 1", "unload 2 1"), fake.log());

        // eject always takes the tape offline first
        fake.set("needs_offline", false);
        driver.load("t0", 3);
        assertEquals(6, driver.eject("t0", 6));
        assertEquals("000003L8", fake.slotTape(6));
        assertTrue(fake.log().containsAll(List.of("offline 0", "unload 6 0")));
    }

    @Test
    void labelRefusesALabelledVolumeUnlessForced() throws Exception {
        driver.load("t0", 4);
        assertNull(driver.status().drives().get(0).volume().label(), "unlabelled tape");
        assertEquals(ErrorReason.device, assertThrows(DriverException.class, () -> driver.readLabel("t0")).reason());
        assertEquals(new Volume("NEW004", "000004L8"), driver.writeLabel("t0", "NEW004", false));
        assertTrue(fake.tapeContent("000004L8").startsWith("DRIVEBUS-VOLUME label=NEW004 barcode=000004L8"));
        assertEquals("NEW004", driver.readLabel("t0").label());

        DriverException e = assertThrows(DriverException.class, () -> driver.writeLabel("t0", "OTHER", false));
        assertEquals(ErrorReason.invalid, e.reason());
        assertTrue(e.getMessage().contains("already labelled 'NEW004'"), e.getMessage());
        assertEquals("OTHER", driver.writeLabel("t0", "OTHER", true).label());
        assertEquals("OTHER", driver.readLabel("t0").label());
    }

    @Test
    void transferBetweenSlotsAndIntoImportExport() throws Exception {
        assertEquals("000002L8", driver.transfer(2, 6).barcode());
        assertEquals("000002L8", fake.slotTape(6));
        LibraryInventory inv = driver.status();
        assertNull(inv.slots().get(1).volume());
        assertEquals("000002L8", inv.slots().get(5).volume().barcode());
        DriverException e = assertThrows(DriverException.class, () -> driver.transfer(1, 3));
        assertEquals(ErrorReason.invalid, e.reason());
        assertTrue(e.getMessage().contains("Already Full"), e.getMessage());
    }

    @Test
    void aLibraryWithoutBarcodeReader() throws Exception {
        fake.set("barcodes", false);
        LibraryInventory inv = driver.scan();
        assertFalse(inv.fastSearch());
        assertEquals(new Volume(null, null), inv.slots().get(0).volume());
        assertEquals(new Volume("TAPE01", "000001L8"), driver.load("t0", 1), "label and barcode from the tape header");
        assertEquals("TAPE01", driver.status().drives().get(0).volume().label());
    }

    @Test
    void scanSeesChangesMadeBehindTheAgentsBack() throws Exception {
        driver.status();
        var st = fake.read();
        ((com.fasterxml.jackson.databind.node.ObjectNode) st.withArray("slots").get(4)).put("tape", "000009L8");
        fake.write(st);
        assertNull(driver.status().slots().get(4).volume(), "cached");
        assertEquals("000009L8", driver.scan().slots().get(4).volume().barcode());
    }
}
