package io.drivebus.bench;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Histograms in microseconds; summaries in milliseconds, plus the compressed histogram for re-analysis. */
final class Stats {
    /** Up to an hour, 3 significant digits. */
    static Histogram histogram() {
        return new Histogram(3_600_000_000L, 3);
    }

    static void recordNanos(Histogram h, long nanos) {
        synchronized (h) {
            h.recordValue(Math.max(0, Math.min(nanos / 1000, h.getHighestTrackableValue())));
        }
    }

    static Map<String, Object> summary(Histogram h) {
        synchronized (h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", h.getTotalCount());
            m.put("p50_ms", ms(h.getValueAtPercentile(50)));
            m.put("p90_ms", ms(h.getValueAtPercentile(90)));
            m.put("p99_ms", ms(h.getValueAtPercentile(99)));
            m.put("p999_ms", ms(h.getValueAtPercentile(99.9)));
            m.put("max_ms", ms(h.getMaxValue()));
            m.put("mean_ms", Math.round(h.getMean()) / 1000.0);
            ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            int n = h.encodeIntoCompressedByteBuffer(b);
            m.put("hdr_compressed_base64_us", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n)));
            return m;
        }
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    private Stats() {
    }
}
