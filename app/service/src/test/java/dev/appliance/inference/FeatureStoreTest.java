package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.features.CqlCredentials;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.EnrichmentException;
import dev.appliance.inference.features.EntityData;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.features.FeatureLoader;
import dev.appliance.inference.features.FeatureReport;
import dev.appliance.inference.features.FeatureStatus;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.features.FeatureStoreSettings;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.features.NewEvent;
import dev.appliance.inference.features.StaleIfError;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.model.Manifest;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The feature store client, the enricher and the bulk loader against the real CQL stand-in. */
class FeatureStoreTest {

    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final StaleIfError NO_COPIES = new StaleIfError(Duration.ZERO, 1);
    /** A manifest using every kind of looked-up feature; only the enricher reads it, no model runs. */
    private static final String MANIFEST = """
            {"schema": 1, "model": "probe", "version": 1, "description": "enrichment test",
             "signature_name": "serving_default",
             "input": {"name": "features", "dtype": "float32"}, "output": {"name": "p", "dtype": "float32"},
             "features": [{"name": "amount", "dtype": "float32"}, {"name": "account_age_days", "dtype": "float32"},
                          {"name": "mean5", "dtype": "float32"}, {"name": "z5", "dtype": "float32"},
                          {"name": "count1h", "dtype": "float32"}, {"name": "home_score", "dtype": "float32"}],
             "entity": {"key": "user_id", "features": [
                 {"name": "account_age_days", "source": "stored", "max_age": "2d"},
                 {"name": "mean5", "source": "mean", "of": "amount", "last": 5, "max_age": "30d"},
                 {"name": "z5", "source": "zscore", "of": "amount", "last": 5, "max_age": "30d"},
                 {"name": "count1h", "source": "count", "window": "1h"},
                 {"name": "home_score", "source": "stored", "max_age": "1h", "default": -1}]},
             "files": {"saved_model.pb": "%s"}}""".formatted("0".repeat(64));

    private static final Scheduler SCHEDULER = Scheduler.threads("test-feature-store", 1);
    private static FeatureStoreFixture fixture;
    private static FeatureStore store;
    private static Manifest manifest;

    @BeforeAll
    static void connect() throws Exception {
        fixture = FeatureStoreFixture.create("features_unit");
        store = new FeatureStore(settings(fixture.serviceSettings()), Metrics.createMeterRegistry(), SCHEDULER);
        store.start(fixture.app());
        assertTrue(store.available(), store.health());
        manifest = Manifest.parse(MANIFEST.getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void close() {
        store.close();
        SCHEDULER.close();
    }

    private static FeatureStoreSettings settings(Map<String, String> values) {
        return FeatureStoreSettings.from(
                Config.just(ConfigSources.create(values)).get("features"));
    }

    @Test
    void enrichmentEqualsAReferenceComputation() throws Exception {
        double[] amounts = {12.0, 30.5, 18.25, 99.0, 41.0, 7.5, 64.0};
        List<NewEvent> events = new ArrayList<>();
        for (int i = 0; i < amounts.length; i++) {
            events.add(new NewEvent(NOW.minus(Duration.ofMinutes(25L * i)), amounts[i], i % 3));
        }
        store.append("user_id", "ref-1", events);
        store.upsert(
                "user_id",
                "ref-1",
                Map.of("account_age_days", 812.0, "home_score", 0.25),
                NOW.minus(Duration.ofMinutes(10)));

        float[][] rows = {{250f, 0, 0, 0, 0, 0}};
        boolean[][] provided = {{true, false, false, false, false, false}};
        List<Map<String, FeatureReport>> reports = new Enricher(
                        Optional.of(store), FeatureCache.disabled(), NO_COPIES, CLOCK, 8)
                .enrich(manifest, rows, provided, new String[] {"ref-1"}, Deadline.NONE);

        // Reference: newest five amounts are indices 0..4; events within the last hour are at 0, 25 and 50 min.
        double mean = (12.0 + 30.5 + 18.25 + 99.0 + 41.0) / 5;
        double squares = 0;
        for (int i = 0; i < 5; i++) {
            squares += (amounts[i] - mean) * (amounts[i] - mean);
        }
        double z = (250 - mean) / Math.sqrt(squares / 4);
        assertEquals(812f, rows[0][1]);
        assertEquals((float) mean, rows[0][2], 1e-4);
        assertEquals((float) z, rows[0][3], 1e-4);
        assertEquals(3f, rows[0][4]);
        assertEquals(0.25f, rows[0][5]);
        reports.get(0).values().forEach(r -> assertEquals(new FeatureReport(FeatureStatus.PRESENT, false), r));
        assertEquals(5, reports.get(0).size());
    }

    @Test
    void staleAndMissingFeaturesUseTheDeclaredDefaultOrAreRefused() throws Exception {
        store.upsert("user_id", "stale-1", Map.of("account_age_days", 40.0), NOW.minus(Duration.ofDays(1)));
        store.upsert("user_id", "stale-1", Map.of("home_score", 0.9), NOW.minus(Duration.ofHours(3)));
        store.append("user_id", "stale-1", List.of(new NewEvent(NOW.minus(Duration.ofDays(2)), 20, null)));
        Enricher enricher = new Enricher(Optional.of(store), FeatureCache.disabled(), NO_COPIES, CLOCK, 8);

        float[][] rows = {{50f, 0, 0, 0, 0, 0}};
        boolean[][] provided = {{true, false, false, false, false, false}};
        Map<String, FeatureReport> report = enricher.enrich(
                        manifest, rows, provided, new String[] {"stale-1"}, Deadline.NONE)
                .get(0);
        assertEquals(new FeatureReport(FeatureStatus.STALE, true), report.get("home_score"), "3 h old, max age 1 h");
        assertEquals(-1f, rows[0][5], "the declared default replaced the stale value");
        assertEquals(new FeatureReport(FeatureStatus.PRESENT, false), report.get("account_age_days"));
        assertEquals(0f, rows[0][4], "no event in the last hour");

        float[][] unknown = {{50f, 0, 0, 0, 0, 0}};
        EnrichmentException missing = assertThrows(
                EnrichmentException.class,
                () -> enricher.enrich(manifest, unknown, provided, new String[] {"nobody"}, Deadline.NONE));
        assertEquals(
                "feature 'account_age_days' of user_id 'nobody' is missing and model 'probe' declares no"
                        + " default for it",
                missing.getMessage());

        store.upsert("user_id", "old-1", Map.of("account_age_days", 40.0), NOW.minus(Duration.ofDays(3)));
        EnrichmentException stale = assertThrows(
                EnrichmentException.class,
                () -> enricher.enrich(
                        manifest,
                        new float[][] {{50f, 0, 0, 0, 0, 0}},
                        provided,
                        new String[] {"old-1"},
                        Deadline.NONE));
        assertTrue(stale.getMessage().contains("'account_age_days' of user_id 'old-1' is stale"), stale.getMessage());
    }

    @Test
    void entitiesAreReadInParallelAndAHungStoreCostsTheCallerItsDeadline() throws Throwable {
        Map<String, String> values = new HashMap<>(fixture.serviceSettings());
        values.put("features.request-timeout", "1s");
        String[] ids = {"hung-1", "hung-2", "hung-3", "hung-4"};
        boolean[][] provided = new boolean[ids.length][];
        Arrays.setAll(provided, i -> new boolean[] {true, false, false, false, false, false});
        try (FeatureStore hanging = new FeatureStore(settings(values), Metrics.createMeterRegistry(), SCHEDULER)) {
            hanging.start(fixture.app());
            assertTrue(hanging.available(), hanging.health());
            Enricher parallel = new Enricher(Optional.of(hanging), FeatureCache.disabled(), NO_COPIES, CLOCK, 8);
            Enricher oneByOne = new Enricher(Optional.of(hanging), FeatureCache.disabled(), NO_COPIES, CLOCK, 1);
            fixture.server().pause();
            try {
                Duration together = timed(() -> assertThrows(
                        FeatureStoreUnavailableException.class,
                        () -> parallel.enrich(manifest, new float[ids.length][6], provided, ids, Deadline.NONE)));
                Duration inTurn = timed(() -> assertThrows(
                        FeatureStoreUnavailableException.class,
                        () -> oneByOne.enrich(manifest, new float[ids.length][6], provided, ids, Deadline.NONE)));
                assertTrue(
                        together.compareTo(Duration.ofMillis(2500)) < 0,
                        "four reads that each time out after 1 s, in parallel: " + together);
                assertTrue(
                        inTurn.compareTo(Duration.ofMillis(3500)) > 0,
                        "the same four one after another wait for each timeout: " + inTurn);

                Duration bounded = timed(() -> assertThrows(
                        DeadlineExceededException.class,
                        () -> parallel.enrich(
                                manifest,
                                new float[ids.length][6],
                                provided,
                                ids,
                                Deadline.after(Duration.ofMillis(300)))));
                assertTrue(
                        bounded.compareTo(Duration.ofMillis(900)) < 0,
                        "a 300 ms deadline ends the wait before the store's 1 s timeout: " + bounded);
                System.out.printf(
                        "hung store, four entities: %d ms in parallel, %d ms one by one, %d ms with a 300 ms deadline%n",
                        together.toMillis(), inTurn.toMillis(), bounded.toMillis());
            } finally {
                fixture.server().resume();
            }
        }
        Await.until(
                () -> {
                    try {
                        store.read("user_id", "hung-1");
                        return true;
                    } catch (FeatureStoreUnavailableException e) {
                        return false;
                    }
                },
                Duration.ofSeconds(30),
                "the store answers again after the pause");
    }

    private static Duration timed(Executable action) throws Throwable {
        long start = System.nanoTime();
        action.execute();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void aWrongPasswordFailsClearly() {
        try (FeatureStore wrong =
                new FeatureStore(settings(fixture.serviceSettings()), Metrics.createMeterRegistry(), SCHEDULER)) {
            wrong.start(new CqlCredentials(fixture.app().username(), "not-the-password"));
            assertFalse(wrong.available());
            assertEquals("authentication failed for user '" + fixture.app().username() + "'", wrong.health());
        }
    }

    @Test
    void bulkLoadReportsBadLinesByNumberAndWritesTheRest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("features.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-1\", \"features\": {\"account_age_days\": 10},"
                                + " \"updated_at\": \"2026-11-21T11:00:00Z\"}",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-1\", \"events\": [{\"occurred_at\":"
                                + " \"2026-11-21T11:30:00Z\", \"amount\": 42.5, \"merchant_category\": 4}]}",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-2\", \"features\": {",
                        "",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-3\", \"features\": {\"account_age_days\": \"ten\"}}",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-4\", \"events\": [{\"occurred_at\": \"yesterday\","
                                + " \"amount\": 1}]}",
                        "{\"entity_key\": \"user_id\", \"entity_id\": \"bulk-5\", \"features\": {\"account_age_days\": 77}}"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FeatureLoader loader = new FeatureLoader(store, new PrintStream(out, true), new PrintStream(err, true), CLOCK);

        assertEquals(1, loader.load(file, 1), "exit code 1: some lines were rejected");
        String errors = err.toString(StandardCharsets.UTF_8);
        assertTrue(errors.contains("line 3: malformed JSON"), errors);
        assertTrue(errors.contains("line 5: features.account_age_days must be a finite number"), errors);
        assertTrue(errors.contains("line 6: events[0].occurred_at must be an ISO-8601 instant"), errors);
        assertTrue(
                out.toString(StandardCharsets.UTF_8)
                        .contains("done: 7 lines read, 3 written (2 feature values, 1 events), 3 rejected"),
                out.toString());

        EntityData bulk1 = store.read("user_id", "bulk-1");
        assertEquals(10.0, bulk1.stored().get("account_age_days").value());
        assertEquals(List.of(new EntityData.Event(Instant.parse("2026-11-21T11:30:00Z"), 42.5)), bulk1.events());
        assertEquals(
                77.0,
                store.read("user_id", "bulk-5").stored().get("account_age_days").value());

        loader.load(file, 1);
        assertEquals(1, store.read("user_id", "bulk-1").events().size(), "loading again does not duplicate events");
    }
}
