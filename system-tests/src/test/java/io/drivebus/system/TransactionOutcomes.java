package io.drivebus.system;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * How each transaction ended on every partition it wrote, read from the broker's log segments. A transaction is atomic
 * only if it ended the same way everywhere; a {@code read_committed} consumer cannot tell, as it sees the committed
 * half of a split transaction like any other. Needed since a broker killed while writing a commit's markers left two
 * partitions without theirs, and the abort of those split the transaction (docs/known-issues.md).
 *
 * <p>Reads the segment files beside the running broker (read-only, never trimmed); a batch still being written at a
 * segment's end is not read. Compaction could drop a marker, but a test's topics are far from their first clean.
 */
final class TransactionOutcomes {
    static final String REPLICAS_DIFFER = "REPLICAS_DIFFER";

    /** A transaction that committed on some partitions and aborted on others: "producer/epoch {partition=END, …}". */
    record Split(String transaction, Map<String, String> ends) {
        /**
         * Committed everywhere but on the group's offsets: its inputs are read again, a re-delivery, which the service
         * must answer as once (its seen requests committed with it). Any other split loses answers or state.
         */
        boolean redelivers() {
            return ends.entrySet().stream().allMatch(e -> e.getValue().equals(e.getKey().startsWith("__consumer_offsets-") ? "ABORT" : "COMMIT"));
        }

        @Override
        public String toString() {
            return transaction + " " + ends;
        }
    }

    /** Each transaction that committed on some partitions and aborted on others. */
    static List<Split> splits(Path logDirs) throws IOException {
        return splits(List.of(logDirs));
    }

    /**
     * As {@link #splits(Path)}, over the log directories of every broker of a cluster: each holds the replicas it has
     * of a partition, and two replicas that ended a transaction differently there (which Kafka's replication should rule
     * out) make it split too, its end on that partition {@value #REPLICAS_DIFFER}.
     */
    static List<Split> splits(List<Path> logDirs) throws IOException {
        Map<String, Map<String, String>> ends = new TreeMap<>();
        for (Path dir : logDirs) {
            File[] partitions = dir.toFile().listFiles(File::isDirectory);
            if (partitions == null) {
                throw new IOException("no broker log directory at " + dir);
            }
            for (File partition : partitions) {
                // the KRaft metadata and the coordinator's own log are not written in transactions
                if (partition.getName().startsWith("__cluster_metadata") || partition.getName().startsWith("__transaction_state")) {
                    continue;
                }
                endsOf(partition).forEach((txn, end) -> ends.computeIfAbsent(txn, k -> new TreeMap<>())
                        .merge(partition.getName(), end, (a, b) -> a.equals(b) ? a : REPLICAS_DIFFER));
            }
        }
        List<Split> splits = new ArrayList<>();
        ends.forEach((txn, byPartition) -> {
            if (new HashSet<>(byPartition.values()).size() > 1 || byPartition.containsValue(REPLICAS_DIFFER)) {
                splits.add(new Split(txn, byPartition));
            }
        });
        return splits;
    }

    /**
     * Producer/epoch of each transaction a partition holds records of, to how its marker ended it there. Keyed by the
     * records' epoch: Kafka 4's coordinator writes its markers at the next one, a marker written from outside (an
     * abort of a hanging transaction) at the same.
     */
    static Map<String, String> endsOf(File partition) throws IOException {
        File[] segments = partition.listFiles((d, n) -> n.endsWith(".log"));
        if (segments == null) {
            return Map.of();
        }
        Arrays.sort(segments); // named by base offset, zero-padded
        Map<Long, Short> open = new HashMap<>();
        Map<String, String> ends = new HashMap<>();
        for (File segment : segments) {
            // read-only, and closed with closeHandlers: close() would trim the file to its size when opened, which
            // the running broker has grown since
            FileRecords records = FileRecords.open(segment, false);
            try {
                for (RecordBatch batch : records.batches()) {
                    if (!batch.isTransactional()) {
                        continue;
                    }
                    if (!batch.isControlBatch()) {
                        open.putIfAbsent(batch.producerId(), batch.producerEpoch());
                        continue;
                    }
                    Short epoch = open.remove(batch.producerId());
                    if (epoch != null) {
                        for (Record marker : batch) {
                            ends.put(batch.producerId() + "/" + epoch, ControlRecordType.parse(marker.key()).name());
                        }
                    }
                }
            } finally {
                records.closeHandlers();
            }
        }
        return ends;
    }

    private TransactionOutcomes() {
    }
}
