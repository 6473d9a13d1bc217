package dev.appliance.inference.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.lifecycle.Backoff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Bulk-loads a JSON-lines file into the feature store ({@code java -jar ... load-features FILE}). Each
 * line is one {@link FeatureWrite} with {@code entity_key} and {@code entity_id}. A malformed line is
 * reported with its number and skipped; the others are still written. Writes are idempotent (upserts,
 * and events keyed by what identifies them), so a load can be repeated or resumed with
 * {@code --from-line N}. Exit codes: 0 all written, 1 some lines rejected, 2 bad usage, 3 store
 * unavailable (the lines before the reported one are written).
 */
public final class FeatureLoader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    private static final int ATTEMPTS = 4;
    private static final Backoff RETRY = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4));

    private final FeatureStore store;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    /** A loader writing through the given store, reporting to out and err. */
    public FeatureLoader(FeatureStore store, PrintStream out, PrintStream err, Clock clock) {
        this.store = store;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    /** Totals of one load. */
    record Summary(long lines, long written, long rejected, long features, long events) {}

    /** Loads a file from the given line on; returns the exit code. */
    public int load(Path file, long fromLine) throws IOException {
        long started = System.nanoTime();
        long lastProgress = started;
        long lines = 0;
        long written = 0;
        long rejected = 0;
        long features = 0;
        long events = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines++;
                if (lines < fromLine || line.isBlank()) {
                    continue;
                }
                FeatureWrite write;
                try {
                    write = FeatureWrite.parse(JSON.readTree(line), null, null, clock.instant());
                } catch (JsonProcessingException e) {
                    rejected++;
                    err.println("line " + lines + ": malformed JSON: " + e.getOriginalMessage());
                    continue;
                } catch (IllegalArgumentException e) {
                    rejected++;
                    err.println("line " + lines + ": " + e.getMessage());
                    continue;
                }
                if (!applyWithRetries(write, lines)) {
                    err.printf(
                            "stopped at line %d: the feature store is unavailable; lines before it are written."
                                    + " Resume with --from-line %d%n",
                            lines, lines);
                    report("aborted", lines - 1, written, rejected, features, events, started);
                    return 3;
                }
                written++;
                features += write.features().size();
                events += write.events().size();
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY.toNanos()) {
                    lastProgress = System.nanoTime();
                    report("progress", lines, written, rejected, features, events, started);
                }
            }
        }
        report("done", lines, written, rejected, features, events, started);
        return rejected == 0 ? 0 : 1;
    }

    private boolean applyWithRetries(FeatureWrite write, long line) {
        Backoff backoff = RETRY;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                write.apply(store, FeatureCache.disabled());
                return true;
            } catch (FeatureStoreUnavailableException e) {
                err.println("line " + line + ": attempt " + attempt + "/" + ATTEMPTS + " failed: " + e.getMessage());
                backoff = backoff.next();
                try {
                    Thread.sleep(backoff.delay());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private void report(
            String what, long lines, long written, long rejected, long features, long events, long started) {
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-3);
        out.printf(
                "%s: %d lines read, %d written (%d feature values, %d events), %d rejected, %.1f s, %.0f lines/s%n",
                what, lines, written, features, events, rejected, seconds, lines / seconds);
    }
}
