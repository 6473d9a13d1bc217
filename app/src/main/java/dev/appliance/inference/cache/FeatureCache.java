package dev.appliance.inference.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Caches per-entity feature rows for a short time in front of the feature store. A miss, an undecodable
 * value and an unavailable cache all read as empty: the caller then asks the store.
 */
public final class FeatureCache {

    private final CacheStore store;

    FeatureCache(CacheStore store) {
        this.store = store;
    }

    /** A feature cache that is switched off: every lookup is empty and nothing is stored. */
    public static FeatureCache disabled() {
        return new FeatureCache(null);
    }

    /** The cached row of one entity (e.g. {@code user_id}, {@code u-42}), if any. */
    public Optional<FeatureRow> get(String entityKey, String entityId) {
        if (store == null) {
            return Optional.empty();
        }
        String key = key(entityKey, entityId);
        if (store.get(key) instanceof CacheStore.Lookup.Hit hit) {
            try {
                return Optional.of(decode(hit.value()));
            } catch (IOException e) {
                store.corrupt(key, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Stores one entity's row for the feature TTL. */
    public void put(String entityKey, String entityId, FeatureRow row) {
        if (store != null) {
            store.put(key(entityKey, entityId), encode(row));
        }
    }

    private static String key(String entityKey, String entityId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((entityKey + "\0" + entityId).getBytes(StandardCharsets.UTF_8));
            return "f:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static byte[] encode(FeatureRow row) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(row.updatedAt().toEpochMilli());
            out.writeInt(row.values().size());
            for (Map.Entry<String, Double> e : row.values().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeDouble(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static FeatureRow decode(byte[] value) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(value))) {
            Instant updatedAt = Instant.ofEpochMilli(in.readLong());
            int n = in.readInt();
            if (n < 0 || n > 10_000) {
                throw new IOException("implausible feature count " + n);
            }
            Map<String, Double> values = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                values.put(in.readUTF(), in.readDouble());
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return new FeatureRow(updatedAt, values);
        }
    }
}
