package io.drivebus.reservation.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One memory budget for all of the service's RocksDB instances. Every store of every task is a RocksDB of its own
 * (five per task, standbys included, and each time segment of the request-id window store), and with RocksDB's defaults
 * each may grow a 50 MB block cache and three 16 MB memtables: four tasks and their standbys could take several times
 * the pod's 768 MiB. Here they share one LRU cache, which also pays for the memtables (a {@link WriteBufferManager}
 * charged to it) and holds the index and filter blocks, as Kafka Streams' memory-management guide describes. A store's
 * memtables keep the sizes Streams gives them (16 MB, three of them): smaller ones would flush and compact more often,
 * and the budget already caps their sum.
 *
 * <p>The budget is {@value #MEMORY_BYTES} in the Streams settings ({@code kafka-streams.drivebus.rocksdb.memory.bytes};
 * 128 MiB unless set), half of it for memtables. It is fixed by the first store opened: one cache per process.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    public static final String MEMORY_BYTES = "drivebus.rocksdb.memory.bytes";
    static final long DEFAULT_MEMORY_BYTES = 128L << 20;
    /** The part of the cache kept for index and filter blocks, so that data blocks cannot push them out. */
    private static final double INDEX_AND_FILTER_RATIO = 0.1;

    /** The process's cache and write-buffer manager; never closed, as the stores come and go with rebalances. */
    record Shared(long bytes, Cache cache, WriteBufferManager writeBuffers) {
    }

    private static Shared shared;

    static synchronized Shared shared(long bytes) {
        if (shared == null) {
            Cache cache = new LRUCache(bytes, -1, false, INDEX_AND_FILTER_RATIO);
            shared = new Shared(bytes, cache, new WriteBufferManager(bytes / 2, cache));
        }
        return shared;
    }

    /** The process's budget, or null while no store has been opened. */
    static synchronized Shared current() {
        return shared;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Shared s = shared(bytes(configs.get(MEMORY_BYTES)));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(s.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(s.writeBuffers());
    }

    static long bytes(Object configured) {
        if (configured == null) {
            return DEFAULT_MEMORY_BYTES;
        }
        long bytes;
        try {
            bytes = Long.parseLong(configured.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MEMORY_BYTES + " must be a number of bytes, not '" + configured + "'");
        }
        if (bytes < (8L << 20)) {
            throw new IllegalArgumentException(MEMORY_BYTES + " must be at least 8 MiB, not " + bytes);
        }
        return bytes;
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by the stores still open: not closed here
    }
}
