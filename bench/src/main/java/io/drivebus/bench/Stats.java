package io.drivebus.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** A histogram for each whole second of a run, for the p99 of each: a tail bunched in a few seconds shows as such. */
    static final class EachSecond {
        private final Map<Integer, Histogram> seconds = new ConcurrentHashMap<>();

        /** @param sinceStartNanos when the measured thing was due, from the start of the measured window */
        void record(long sinceStartNanos, long nanos) {
            recordNanos(seconds.computeIfAbsent((int) (sinceStartNanos / 1_000_000_000L), k -> histogram()), nanos);
        }

        /** The p99 of each of the first {@code count} seconds in ms, null for a second with nothing recorded. */
        List<Double> p99s(int count) {
            List<Double> p99s = new ArrayList<>();
            for (int s = 0; s < count; s++) {
                Histogram h = seconds.get(s);
                if (h == null) {
                    p99s.add(null);
                } else {
                    synchronized (h) {
                        p99s.add(ms(h.getValueAtPercentile(99)));
                    }
                }
            }
            return p99s;
        }
    }

    private Stats() {
    }
}
