package dev.appliance.inference.features;

import dev.appliance.inference.model.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Fills the features a model's manifest marks as looked up ({@code entity.features}) for every request
 * row that names an entity: stored values, and values derived from the entity's recent history (mean
 * and z-score of the last N amounts, count of events in a window). Each entity is read once per request,
 * from the feature cache or else the store. While the store cannot answer, an entity read from it recently
 * is served from the last copy kept ({@link StaleIfError}), each such value reported STALE with the copy's
 * age. A missing or stale value, or an unavailable store without a recent copy, uses the feature's declared
 * default; without one the request is refused.
 */
public final class Enricher {

    /** Floor of the standard deviation in a z-score, as the demo data set defines it; avoids dividing by ~0. */
    static final double MIN_STD = 1.0;

    private final Optional<FeatureStore> store;
    private final FeatureCache cache;
    private final StaleIfError stale;
    private final Clock clock;

    /**
     * Enriches from the store (if configured) through the feature cache, falling back to the recent copies in
     * {@code stale} while the store cannot answer, and judging age by the clock.
     */
    public Enricher(Optional<FeatureStore> store, FeatureCache cache, StaleIfError stale, Clock clock) {
        this.store = store;
        this.cache = cache;
        this.stale = stale;
        this.clock = clock;
    }

    /**
     * Fills the absent enriched features of every row with an entity id, in place.
     *
     * @param manifest  the model's manifest; nothing happens without an {@code entity} section
     * @param rows      model input rows in feature order
     * @param provided  which values the request supplied
     * @param entityIds entity id per row, or null for a row that names none
     * @return per row, the report of every feature that was looked up (empty for rows without entity)
     * @throws EnrichmentException              a needed feature is missing or stale and has no default
     * @throws FeatureStoreUnavailableException the store cannot be asked and a needed feature has no default
     */
    public List<Map<String, FeatureReport>> enrich(
            Manifest manifest, float[][] rows, boolean[][] provided, String[] entityIds)
            throws EnrichmentException, FeatureStoreUnavailableException {
        List<Map<String, FeatureReport>> reports = new ArrayList<>();
        Manifest.Entity entity = manifest.entity();
        Map<String, Lookup> lookups = new HashMap<>();
        Instant now = clock.instant();
        for (int i = 0; i < rows.length; i++) {
            Map<String, FeatureReport> report = new LinkedHashMap<>();
            reports.add(report);
            if (entity == null || entityIds[i] == null) {
                continue;
            }
            Lookup lookup = lookups.computeIfAbsent(entityIds[i], id -> lookup(entity.key(), id, now));
            for (Manifest.EnrichedFeature f : entity.features()) {
                int column = column(manifest, f.name());
                if (provided[i][column]) {
                    continue;
                }
                Value value = lookup.data() == null
                        ? new Value(0, FeatureStatus.UNAVAILABLE)
                        : compute(f, lookup.data(), rows[i], manifest, now);
                if (value.status() == FeatureStatus.PRESENT && lookup.copyAge() != null) {
                    rows[i][column] = (float) value.value();
                    report.put(f.name(), new FeatureReport(FeatureStatus.STALE, false, Optional.of(lookup.copyAge())));
                } else if (value.status() == FeatureStatus.PRESENT) {
                    rows[i][column] = (float) value.value();
                    report.put(f.name(), new FeatureReport(FeatureStatus.PRESENT, false));
                } else if (f.defaultValue() != null) {
                    rows[i][column] = f.defaultValue().floatValue();
                    report.put(f.name(), new FeatureReport(value.status(), true));
                } else if (value.status() == FeatureStatus.UNAVAILABLE) {
                    throw new FeatureStoreUnavailableException(
                            "model '" + manifest.model() + "' needs feature '" + f.name()
                                    + "' from the feature store and declares no default; " + lookup.problem(),
                            null);
                } else {
                    throw new EnrichmentException("feature '" + f.name() + "' of " + entity.key() + " '" + entityIds[i]
                            + "' is " + value.status().name().toLowerCase(Locale.ROOT) + " and model '"
                            + manifest.model() + "' declares no default for it");
                }
            }
        }
        return reports;
    }

    /** An entity's data (null when none could be had, with the problem), and the age of a stale copy. */
    private record Lookup(EntityData data, String problem, Duration copyAge) {

        static Lookup fresh(EntityData data) {
            return new Lookup(data, null, null);
        }
    }

    private record Value(double value, FeatureStatus status) {}

    private Lookup lookup(String entityKey, String entityId, Instant now) {
        Optional<EntityData> cached = cache.get(entityKey, entityId);
        if (cached.isPresent()) {
            return Lookup.fresh(cached.get());
        }
        if (store.isEmpty()) {
            return new Lookup(null, "the feature store is not configured", null);
        }
        try {
            EntityData data = store.get().read(entityKey, entityId);
            cache.put(entityKey, entityId, data);
            stale.keep(entityKey, entityId, data, now);
            return Lookup.fresh(data);
        } catch (FeatureStoreUnavailableException e) {
            return stale.recent(entityKey, entityId, now)
                    .map(copy -> new Lookup(copy.data(), null, Duration.between(copy.readAt(), now)))
                    .orElseGet(() -> new Lookup(null, e.getMessage(), null));
        }
    }

    static Value compute(Manifest.EnrichedFeature f, EntityData data, float[] row, Manifest manifest, Instant now) {
        return switch (f.source()) {
            case "stored" -> {
                EntityData.StoredValue v = data.stored().get(f.name());
                if (v == null) {
                    yield new Value(0, FeatureStatus.MISSING);
                }
                yield new Value(
                        v.value(),
                        olderThan(v.updatedAt(), f.maxAgeDuration(), now)
                                ? FeatureStatus.STALE
                                : FeatureStatus.PRESENT);
            }
            case "count" -> {
                Instant since = now.minus(f.windowDuration());
                yield new Value(
                        data.events().stream()
                                .filter(e -> !e.at().isBefore(since))
                                .count(),
                        FeatureStatus.PRESENT);
            }
            default -> {
                List<EntityData.Event> recent = data.events()
                        .subList(0, Math.min(f.last(), data.events().size()));
                if (recent.isEmpty()) {
                    yield new Value(0, FeatureStatus.MISSING);
                }
                FeatureStatus status = olderThan(recent.get(0).at(), f.maxAgeDuration(), now)
                        ? FeatureStatus.STALE
                        : FeatureStatus.PRESENT;
                double mean = recent.stream()
                        .mapToDouble(EntityData.Event::amount)
                        .average()
                        .orElseThrow();
                if (f.source().equals("mean")) {
                    yield new Value(mean, status);
                }
                double squares = recent.stream()
                        .mapToDouble(e -> (e.amount() - mean) * (e.amount() - mean))
                        .sum();
                double std = recent.size() < 2 ? MIN_STD : Math.max(Math.sqrt(squares / (recent.size() - 1)), MIN_STD);
                double current = row[column(manifest, f.of())];
                yield new Value((current - mean) / std, status);
            }
        };
    }

    private static boolean olderThan(Instant at, Duration maxAge, Instant now) {
        return maxAge != null && at.isBefore(now.minus(maxAge));
    }

    private static int column(Manifest manifest, String feature) {
        for (int j = 0; j < manifest.features().size(); j++) {
            if (manifest.features().get(j).name().equals(feature)) {
                return j;
            }
        }
        throw new IllegalStateException("manifest validation guarantees feature '" + feature + "' exists");
    }
}
