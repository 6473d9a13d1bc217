package dev.appliance.inference.features;

import dev.appliance.inference.cache.CacheStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * Caches per-entity feature data (stored values and recent events) for a short time in front of the
 * feature store, as bytes in the {@code feature} {@link CacheStore}. A miss, an undecodable value and an
 * unavailable cache all read as empty: the caller then asks the store.
 */
public final class FeatureCache {

    private final CacheStore store;

    /** A feature cache over {@code store}, which holds the encoded entity data. */
    public FeatureCache(CacheStore store) {
        this.store = store;
    }

    /** A feature cache that is switched off: every lookup is empty and nothing is stored. */
    public static FeatureCache disabled() {
        return new FeatureCache(null);
    }

    /** The cached data of one entity (e.g. {@code user_id}, {@code u-42}), if any. */
    public Optional<EntityData> get(String entityKey, String entityId) {
        if (store == null) {
            return Optional.empty();
        }
        String key = key(entityKey, entityId);
        if (store.get(key) instanceof CacheStore.Lookup.Hit hit) {
            try {
                return Optional.of(EntityData.decode(hit.value()));
            } catch (IOException e) {
                store.corrupt(key, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Forgets an entity's data, after a write to the store, so the next read sees the new values. */
    public void invalidate(String entityKey, String entityId) {
        if (store != null) {
            store.delete(key(entityKey, entityId));
        }
    }

    /** Stores one entity's data for the feature TTL. */
    public void put(String entityKey, String entityId, EntityData row) {
        if (store != null) {
            store.put(key(entityKey, entityId), row.encode());
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
}
