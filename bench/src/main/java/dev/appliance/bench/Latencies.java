package dev.appliance.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Per-operation latencies of one measured phase, recorded by several threads, each into its own slot
 * array (no sharing on the hot path), and reported as throughput, p50, p99 and max.
 */
final class Latencies {

    /** Most operations one thread records: bounds the run in count as well as in time. */
    private static final int PER_THREAD = 1_000_000;

    private final long[][] nanos;
    private final int[] counts;
    private final int[] errors;
    private double elapsed;

    Latencies(int threads) {
        nanos = new long[threads][];
        counts = new int[threads];
        errors = new int[threads];
    }

    /** Runs {@code operation} on {@code threads} platform threads for {@code seconds}, or until they did 1,000,000. */
    static Latencies measure(int threads, double seconds, Operation operation) throws InterruptedException {
        Latencies latencies = new Latencies(threads);
        int perThread = Math.max(1, PER_THREAD / threads);
        for (int t = 0; t < threads; t++) {
            latencies.nanos[t] = new long[perThread];
        }
        long started = System.nanoTime();
        long deadline = started + (long) (seconds * 1e9);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int slot = t;
            workers[t] = Thread.ofPlatform().start(() -> {
                long[] mine = latencies.nanos[slot];
                int n = 0;
                long counter = slot;
                while (n < mine.length && System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    try {
                        operation.run(slot, counter);
                    } catch (Exception e) {
                        latencies.errors[slot]++;
                    }
                    mine[n++] = System.nanoTime() - start;
                    counter += threads;
                }
                latencies.counts[slot] = n;
            });
        }
        for (Thread worker : workers) {
            worker.join();
        }
        latencies.elapsed = (System.nanoTime() - started) / 1e9;
        return latencies;
    }

    /** The phase as one JSON object: requests, seconds, rps, p50_ms, p99_ms, max_ms, errors. */
    String json() {
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < counts.length; t++) {
            System.arraycopy(nanos[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return String.format(
                Locale.ROOT,
                "{\"requests\": %d, \"seconds\": %.3f, \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f,"
                        + " \"max_ms\": %.3f, \"errors\": %d}",
                total,
                elapsed,
                total / elapsed,
                percentile(all, 0.50),
                percentile(all, 0.99),
                total == 0 ? 0 : all[total - 1] / 1e6,
                Arrays.stream(errors).sum());
    }

    private static double percentile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }

    /** One timed operation; {@code counter} is distinct per call, for distinct inputs. */
    @FunctionalInterface
    interface Operation {
        void run(int thread, long counter) throws Exception;
    }
}
