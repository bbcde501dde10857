package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbMemoryTest {

    /** As Kafka Streams hands a store's options to the setter. */
    private static Options storeOptions() {
        Options o = new Options().setCreateIfMissing(true);
        o.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
        return o;
    }

    @Test
    void everyStoreGetsTheOneCacheAndWriteBufferManager() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options a = storeOptions(); Options b = storeOptions()) {
            setter.setConfig("library-drives", a, Map.of());
            setter.setConfig("seen-requests-sliced.1700000000000", b, Map.of());
            BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.shared(BoundedRocksDbMemory.DEFAULT_MEMORY_BYTES);
            assertSame(shared.cache(), ((BlockBasedTableConfigWithAccessibleCache) a.tableFormatConfig()).blockCache());
            assertSame(shared.cache(), ((BlockBasedTableConfigWithAccessibleCache) b.tableFormatConfig()).blockCache());
            assertSame(shared.writeBuffers(), a.writeBufferManager());
            assertSame(shared.writeBuffers(), b.writeBufferManager());
        }
    }

    @Test
    void aRealStoresMemtablesArePaidFromTheSharedCache(@TempDir Path dir) throws Exception {
        RocksDB.loadLibrary();
        BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.shared(BoundedRocksDbMemory.DEFAULT_MEMORY_BYTES);
        try (Options o = storeOptions()) {
            new BoundedRocksDbMemory().setConfig("library-reservations", o, Map.of());
            long before = shared.cache().getUsage();
            try (RocksDB db = RocksDB.open(o, dir.toString())) {
                byte[] value = "x".repeat(1000).getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 2000; i++) {
                    db.put(("lib/" + i).getBytes(StandardCharsets.UTF_8), value);
                }
                long usage = shared.cache().getUsage();
                assertTrue(usage >= before + (1L << 20), "2 MB written: the memtable is charged to the cache, " + before + " -> " + usage);
                assertTrue(usage <= shared.bytes(), "within the budget: " + usage);
            }
        }
    }

    @Test
    void theBudgetIsANumberOfBytesOfAtLeast8MiB() {
        assertEquals(BoundedRocksDbMemory.DEFAULT_MEMORY_BYTES, BoundedRocksDbMemory.bytes(null));
        assertEquals(256L << 20, BoundedRocksDbMemory.bytes(" 268435456 "));
        assertThrows(IllegalArgumentException.class, () -> BoundedRocksDbMemory.bytes("64MB"));
        assertThrows(IllegalArgumentException.class, () -> BoundedRocksDbMemory.bytes("1048576"));
    }
}
