package dev.appliance.inference.cache;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * Caches predictions under model name + version + SHA-256 of the exact input the model receives, so a
 * new version or different input can never be answered from a stale entry and nothing needs flushing.
 * Identical concurrent requests share one lookup and at most one model call. Values are compact binary
 * (row count, width, float32s), and only successful predictions are stored.
 */
public final class ResultCache {

    /** How a prediction was answered; reported to the caller in the {@code X-Cache} header. */
    public enum Outcome {
        /** Answered from the cache without running the model. */
        HIT,
        /** Not cached: the model ran and the result was stored. */
        MISS,
        /** The cache was off or unavailable: the model ran without it. */
        BYPASS;

        /** The header value: hit, miss or bypass. */
        public String header() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A model's answer and how it was obtained.
     *
     * @param outputs one output row per input row
     * @param outcome hit, miss or bypass
     */
    public record Prediction(float[][] outputs, Outcome outcome) {}

    /**
     * The model call that a hit saves.
     *
     * @param <E> how the call fails; the cache hands it on unchanged
     */
    @FunctionalInterface
    public interface Model<E extends Exception> {
        /** Runs the model on the rows. */
        float[][] predict(float[][] rows) throws E;
    }

    private final CacheStore store;
    private final SingleFlight<String, Prediction> flights;

    ResultCache(CacheStore store) {
        this.store = store;
        this.flights = new SingleFlight<>(store == null ? () -> {} : store::sharedWait);
    }

    /** A result cache that is switched off: every call runs the model and reports a bypass. */
    public static ResultCache disabled() {
        return new ResultCache(null);
    }

    /** Answers from the cache or runs the model and stores its answer. */
    public <E extends Exception> Prediction predict(String model, long version, float[][] rows, Model<E> compute)
            throws E {
        if (store == null) {
            return new Prediction(compute.predict(rows), Outcome.BYPASS);
        }
        String key = key(model, version, rows);
        return flights.run(key, () -> lookupOrCompute(key, rows, compute));
    }

    private <E extends Exception> Prediction lookupOrCompute(String key, float[][] rows, Model<E> compute) throws E {
        CacheStore.Lookup lookup = store.get(key);
        if (lookup instanceof CacheStore.Lookup.Hit hit) {
            try {
                return new Prediction(decode(hit.value(), rows.length), Outcome.HIT);
            } catch (IllegalArgumentException e) {
                store.corrupt(key, e.getMessage());
            }
        }
        float[][] outputs = compute.predict(rows);
        if (lookup instanceof CacheStore.Lookup.Bypass) {
            return new Prediction(outputs, Outcome.BYPASS);
        }
        store.put(key, encode(outputs));
        return new Prediction(outputs, Outcome.MISS);
    }

    static String key(String model, long version, float[][] rows) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(model.getBytes(StandardCharsets.UTF_8));
            int width = rows[0].length;
            ByteBuffer input =
                    ByteBuffer.allocate(16 + rows.length * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            input.putLong(version).putInt(rows.length).putInt(width);
            for (float[] row : rows) {
                for (float v : row) {
                    input.putFloat(v);
                }
            }
            sha.update(input.array());
            return "r:" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static byte[] encode(float[][] outputs) {
        int width = outputs[0].length;
        ByteBuffer buffer =
                ByteBuffer.allocate(8 + outputs.length * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(outputs.length).putInt(width);
        for (float[] row : outputs) {
            for (float v : row) {
                buffer.putFloat(v);
            }
        }
        return buffer.array();
    }

    static float[][] decode(byte[] bytes, int expectedRows) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int rows = buffer.getInt();
            int width = buffer.getInt();
            if (rows != expectedRows || width < 1 || buffer.remaining() != rows * width * Float.BYTES) {
                throw new IllegalArgumentException("value holds " + bytes.length + " bytes for " + rows + "x" + width
                        + ", expected " + expectedRows + " rows");
            }
            float[][] outputs = new float[rows][width];
            for (float[] row : outputs) {
                for (int j = 0; j < width; j++) {
                    row[j] = buffer.getFloat();
                }
            }
            return outputs;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("value is truncated (" + bytes.length + " bytes)", e);
        }
    }
}
