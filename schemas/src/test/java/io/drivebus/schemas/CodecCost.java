package io.drivebus.schemas;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The codec's CPU per decoded message (parse, schema check, binding, envelope), for every message type's example in
 * turn: what each service pays per record before its own logic. Counts the thread's CPU time, so other work on the
 * machine does not inflate the figure. A benchmark, not a test: {@code bench/codec-cost.sh [messages rounds]}.
 */
public final class CodecCost {

    public static void main(String[] args) {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        MessageCodec codec = MessageCodec.get();
        List<byte[]> corpus = new ArrayList<>();
        for (MessageType t : MessageType.values()) {
            corpus.add(codec.encode(Examples.envelope(t)));
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] perMessage = new double[rounds];
        long sink = 0;
        for (int warm = 0; warm < messages; warm++) {
            sink += codec.decode(corpus.get(warm % corpus.size())).id().length();
        }
        for (int r = 0; r < rounds; r++) {
            long start = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < messages; i++) {
                sink += codec.decode(corpus.get(i % corpus.size())).id().length();
            }
            perMessage[r] = (cpu.getCurrentThreadCpuTime() - start) / 1000.0 / messages;
            System.out.printf("round %d: %.2f µs per message%n", r + 1, perMessage[r]);
        }
        Arrays.sort(perMessage);
        System.out.printf("CodecCost: %d message types, %d messages per round, median %.2f µs per message (min %.2f, max %.2f)%s%n",
                corpus.size(), messages, perMessage[rounds / 2], perMessage[0], perMessage[rounds - 1], sink == 0 ? "" : "");
    }

    private CodecCost() {
    }
}
