package dev.appliance.inference.features;

import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.model.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fills the features a model's manifest marks as looked up ({@code entity.features}) for every request
 * row that names an entity: stored values, and values derived from the entity's recent history (mean
 * and z-score of the last N amounts, count of events in a window). Each entity is read once per request,
 * from the feature cache or else the store; the entities of one request are read in parallel, at most
 * {@code lookupParallelism} at a time, within the request's deadline. While the store cannot answer, an entity read from it recently
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
    private final int lookupParallelism;
    /** Runs the lookups of a request with more than one entity; virtual threads, which wait on the network. */
    private final ExecutorService lookups = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("feature-lookup-", 0).factory());

    /**
     * Enriches from the store (if configured) through the feature cache, falling back to the recent copies in
     * {@code stale} while the store cannot answer, and judging age by the clock; a request's entities are read
     * at most {@code lookupParallelism} at a time (1: one after another on the request's thread, where a
     * lookup already started may outlast the deadline by up to the store's request timeout).
     */
    public Enricher(
            Optional<FeatureStore> store, FeatureCache cache, StaleIfError stale, Clock clock, int lookupParallelism) {
        if (lookupParallelism < 1) {
            throw new IllegalArgumentException("lookupParallelism must be at least 1, not " + lookupParallelism);
        }
        this.store = store;
        this.cache = cache;
        this.stale = stale;
        this.clock = clock;
        this.lookupParallelism = lookupParallelism;
    }

    /**
     * Fills the absent enriched features of every row with an entity id, in place.
     *
     * @param manifest  the model's manifest; nothing happens without an {@code entity} section
     * @param rows      model input rows in feature order
     * @param provided  which values the request supplied
     * @param entityIds entity id per row, or null for a row that names none
     * @param deadline  the request's: lookups still running when it passes are abandoned
     * @return per row, the report of every feature that was looked up (empty for rows without entity)
     * @throws EnrichmentException              a needed feature is missing or stale and has no default
     * @throws FeatureStoreUnavailableException the store cannot be asked and a needed feature has no default
     * @throws DeadlineExceededException        the deadline passed before every entity was read
     */
    public List<Map<String, FeatureReport>> enrich(
            Manifest manifest, float[][] rows, boolean[][] provided, String[] entityIds, Deadline deadline)
            throws EnrichmentException, FeatureStoreUnavailableException, DeadlineExceededException {
        List<Map<String, FeatureReport>> reports = new ArrayList<>();
        Manifest.Entity entity = manifest.entity();
        Instant now = clock.instant();
        Map<String, Lookup> found =
                entity == null ? Map.of() : lookUp(entity.key(), needed(manifest, provided, entityIds), now, deadline);
        for (int i = 0; i < rows.length; i++) {
            Map<String, FeatureReport> report = new LinkedHashMap<>();
            reports.add(report);
            if (entity == null || entityIds[i] == null) {
                continue;
            }
            for (Manifest.EnrichedFeature f : entity.features()) {
                int column = column(manifest, f.name());
                if (provided[i][column]) {
                    continue;
                }
                Lookup lookup = found.get(entityIds[i]);
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

    /** The distinct entity ids of the rows that leave at least one looked-up feature to fill, in row order. */
    private static Set<String> needed(Manifest manifest, boolean[][] provided, String[] entityIds) {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < entityIds.length; i++) {
            if (entityIds[i] != null && !ids.contains(entityIds[i])) {
                for (Manifest.EnrichedFeature f : manifest.entity().features()) {
                    if (!provided[i][column(manifest, f.name())]) {
                        ids.add(entityIds[i]);
                        break;
                    }
                }
            }
        }
        return ids;
    }

    /**
     * Reads each entity by up to {@code lookupParallelism} workers that take the next entity while the deadline
     * allows, the request's thread waiting for them no longer than the deadline (so a hung store costs the
     * caller its deadline, not the store's request timeout). With a parallelism of 1, one after another on the
     * request's thread, each started only while the deadline allows.
     */
    private Map<String, Lookup> lookUp(String entityKey, Set<String> ids, Instant now, Deadline deadline)
            throws DeadlineExceededException {
        String where = "while the request's features were looked up";
        if (ids.isEmpty() || lookupParallelism == 1) {
            Map<String, Lookup> found = new HashMap<>();
            for (String id : ids) {
                deadline.check(where);
                found.put(id, lookup(entityKey, id, now));
            }
            return found;
        }
        Queue<String> pending = new ConcurrentLinkedQueue<>(ids);
        Map<String, Lookup> found = new ConcurrentHashMap<>();
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int w = 0; w < Math.min(lookupParallelism, ids.size()); w++) {
                workers.add(lookups.submit(() -> {
                    for (String id = pending.poll(); id != null && !deadline.expired(); id = pending.poll()) {
                        found.put(id, lookup(entityKey, id, now));
                    }
                }));
            }
            for (Future<?> worker : workers) {
                await(worker, deadline, where);
            }
        } finally {
            workers.forEach(worker -> worker.cancel(true));
        }
        if (found.size() < ids.size()) {
            deadline.check(where);
            throw new IllegalStateException("the feature lookups ended with entities left unread");
        }
        return found;
    }

    private static void await(Future<?> worker, Deadline deadline, String where) throws DeadlineExceededException {
        while (true) {
            deadline.check(where);
            try {
                worker.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
                return;
            } catch (TimeoutException e) {
                // The deadline has passed: the check above throws.
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted " + where, e);
            }
        }
    }

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
