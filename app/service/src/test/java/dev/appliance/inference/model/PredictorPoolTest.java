package dev.appliance.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.admission.OverloadedException;
import dev.appliance.inference.demo.DemoModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching on the real {@code risk} SavedModel: who runs together, and what each call gets back. */
class PredictorPoolTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ModelSettings.Queue QUEUE = new ModelSettings.Queue(128, TIMEOUT, Duration.ofSeconds(1));

    @TempDir
    static Path repo;

    private static ZooModel<NDList, NDList> model;
    private static Predictor<NDList, NDList> alone;

    /** Engine calls the pool reported: calls and rows of each. */
    private final ConcurrentLinkedQueue<int[]> batches = new ConcurrentLinkedQueue<>();

    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void loadRisk() throws Exception {
        DemoModels.writeRisk(repo.resolve("2"), 2);
        model = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(repo.resolve("2"))
                .optEngine("TensorFlow")
                .optOption("Tags", "serve")
                .optOption("SignatureDefKey", "serving_default")
                .build()
                .loadModel();
        alone = model.newPredictor();
    }

    @AfterAll
    static void unload() {
        alone.close();
        model.close();
    }

    /** Runs the rows as one [n, 6] tensor, as the service does; a row shorter than 6 values fails in it. */
    private static float[][] engine(Predictor<NDList, NDList> predictor, float[][] rows) throws Exception {
        float[] flat = new float[rows.length * 6];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * 6, 6);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(manager.create(flat, new Shape(rows.length, 6))));
            NDArray result = out.get(0);
            float[] values = result.toFloatArray();
            int width = values.length / rows.length;
            float[][] split = new float[rows.length][width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(values, i * width, split[i], 0, width);
            }
            return split;
        }
    }

    private PredictorPool pool(int predictors, int maxRows, Duration maxDelay, PredictorPool.Engine engine) {
        return pool(predictors, QUEUE, maxRows, maxDelay, engine);
    }

    private PredictorPool pool(
            int predictors, ModelSettings.Queue queue, int maxRows, Duration maxDelay, PredictorPool.Engine engine) {
        List<Predictor<NDList, NDList>> list = new ArrayList<>();
        for (int i = 0; i < predictors; i++) {
            list.add(model.newPredictor());
        }
        return new PredictorPool(
                "model risk version 2",
                "engine-test",
                list,
                queue,
                maxRows,
                maxDelay,
                engine,
                (calls, rows, took) -> batches.add(new int[] {calls, rows}));
    }

    private static float[] row(int amount) {
        return new float[] {amount, 7, 3, 2, 25, 8.5f};
    }

    private static float[][] unbatched(float[]... rows) throws Exception {
        return engine(alone, rows);
    }

    /** An engine whose first call blocks until released, so the test can queue calls behind it. */
    private static final class Gate implements PredictorPool.Engine {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public float[][] run(Predictor<NDList, NDList> predictor, float[][] rows) throws Exception {
            if (entered.getCount() > 0) {
                entered.countDown();
                release.await();
            }
            return engine(predictor, rows);
        }
    }

    private Future<float[][]> call(PredictorPool pool, float[]... rows) {
        return call(pool, Deadline.after(TIMEOUT), rows);
    }

    private Future<float[][]> call(PredictorPool pool, Deadline deadline, float[]... rows) {
        return callers.submit(() -> pool.predict(rows, deadline));
    }

    private static void awaitQueued(PredictorPool pool, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.queued() < calls) {
            assertTrue(System.nanoTime() < deadline, "calls did not queue");
            Thread.sleep(5);
        }
    }

    @Test
    void concurrentCallsRunTogetherAndEachGetsItsOwnRows() throws Exception {
        try (PredictorPool pool = pool(1, 64, Duration.ofMillis(100), PredictorPoolTest::engine)) {
            List<Future<float[][]>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                answers.add(i % 3 == 0 ? call(pool, row(100 * i), row(100 * i + 1)) : call(pool, row(100 * i)));
            }
            for (int i = 0; i < 24; i++) {
                float[][] expected = i % 3 == 0 ? unbatched(row(100 * i), row(100 * i + 1)) : unbatched(row(100 * i));
                float[][] got = answers.get(i).get();
                assertEquals(expected.length, got.length);
                for (int r = 0; r < expected.length; r++) {
                    assertArrayEquals(expected[r], got[r], 1e-6f, "call " + i + " row " + r);
                }
            }
        }
        assertEquals(24, batches.stream().mapToInt(b -> b[0]).sum(), "every call ran exactly once");
        assertEquals(32, batches.stream().mapToInt(b -> b[1]).sum(), "every row ran exactly once");
        assertTrue(batches.size() < 24, "calls shared engine calls: " + batches.size() + " engine calls");
    }

    @Test
    void aCallThatBreaksTheEngineFailsAloneAndItsBatchStillAnswers() throws Exception {
        Gate gate = new Gate();
        try (PredictorPool pool = pool(1, 64, Duration.ZERO, gate)) {
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            Future<float[][]> good = call(pool, row(2));
            Future<float[][]> bad = call(pool, new float[] {1, 2, 3, 4, 5});
            Future<float[][]> other = call(pool, row(3));
            awaitQueued(pool, 3);
            gate.release.countDown();

            assertArrayEquals(unbatched(row(1))[0], first.get()[0], 1e-6f);
            assertArrayEquals(unbatched(row(2))[0], good.get()[0], 1e-6f);
            assertArrayEquals(unbatched(row(3))[0], other.get()[0], 1e-6f);
            Exception e = assertThrows(Exception.class, bad::get);
            assertTrue(e.getCause() instanceof PredictorPool.EngineException, e.toString());
        }
        // The first call alone, the batch of three that failed, then each of the three again on its own.
        assertEquals(
                List.of("1/1", "3/3", "1/1", "1/1", "1/1"),
                batches.stream().map(b -> b[0] + "/" + b[1]).toList());
    }

    @Test
    void zeroDelayRunsAtOnceAndBatchesOnlyWhatIsAlreadyWaiting() throws Exception {
        Gate gate = new Gate();
        try (PredictorPool pool = pool(1, 64, Duration.ZERO, gate)) {
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            assertEquals(List.of(), batches.stream().toList(), "nothing ran yet");
            List<Future<float[][]>> queued = List.of(call(pool, row(2)), call(pool, row(3)), call(pool, row(4)));
            awaitQueued(pool, 3);
            gate.release.countDown();
            first.get();
            for (Future<float[][]> f : queued) {
                f.get();
            }
            // Alone again: with no delay a lone call does not wait for company.
            long start = System.nanoTime();
            assertArrayEquals(unbatched(row(5))[0], pool.predict(new float[][] {row(5)}, Deadline.NONE)[0], 1e-6f);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        }
        assertEquals(
                List.of("1/1", "3/3", "1/1"),
                batches.stream().map(b -> b[0] + "/" + b[1]).toList());
    }

    @Test
    void batchesStopAtMaxRowsAndALargerCallRunsAlone() throws Exception {
        Gate gate = new Gate();
        try (PredictorPool pool = pool(1, 4, Duration.ZERO, gate)) {
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            List<Future<float[][]>> queued = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                queued.add(call(pool, row(10 + i)));
                awaitQueued(pool, i + 1);
            }
            float[][] big = new float[10][];
            for (int i = 0; i < big.length; i++) {
                big[i] = row(50 + i);
            }
            queued.add(call(pool, big));
            awaitQueued(pool, 7);
            gate.release.countDown();
            first.get();
            for (Future<float[][]> f : queued) {
                f.get();
            }
            assertArrayEquals(unbatched(big)[9], queued.get(6).get()[9], 1e-6f);
        }
        assertEquals(
                List.of("1/1", "4/4", "2/2", "1/10"),
                batches.stream().map(b -> b[0] + "/" + b[1]).toList());
    }

    @Test
    void aCallNoPredictorTakesWithinTheMaximumWaitIsRefusedAsOverloaded() throws Exception {
        Gate gate = new Gate();
        ModelSettings.Queue queue = new ModelSettings.Queue(128, Duration.ofMillis(50), Duration.ofSeconds(3));
        try (PredictorPool pool = pool(1, queue, 64, Duration.ZERO, gate)) {
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            OverloadedException refused = assertThrows(
                    OverloadedException.class, () -> pool.predict(new float[][] {row(2)}, Deadline.after(TIMEOUT)));
            assertTrue(refused.getMessage().contains("models.queue.max-wait"), refused.getMessage());
            assertEquals(Duration.ofSeconds(3), refused.retryAfter());
            assertEquals(0, pool.queued(), "the refused call left the queue");
            gate.release.countDown();
            first.get();
        }
        assertEquals(
                List.of("1/1"), batches.stream().map(b -> b[0] + "/" + b[1]).toList());
    }

    @Test
    void aFullQueueRefusesAtOnceWithRetryAfter() throws Exception {
        Gate gate = new Gate();
        ModelSettings.Queue queue = new ModelSettings.Queue(2, TIMEOUT, Duration.ofSeconds(2));
        try (PredictorPool pool = pool(1, queue, 64, Duration.ZERO, gate)) {
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            List<Future<float[][]>> queued = List.of(call(pool, row(2)), call(pool, row(3)));
            awaitQueued(pool, 2);
            long start = System.nanoTime();
            OverloadedException refused = assertThrows(
                    OverloadedException.class, () -> pool.predict(new float[][] {row(4)}, Deadline.after(TIMEOUT)));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 1000, "refused at once, not after the maximum wait: " + tookMillis + " ms");
            assertTrue(refused.getMessage().contains("models.queue.size"), refused.getMessage());
            assertEquals(Duration.ofSeconds(2), refused.retryAfter());
            gate.release.countDown();
            first.get();
            for (Future<float[][]> f : queued) {
                f.get();
            }
        }
    }

    @Test
    void anExpiredDeadlineNeverReachesTheEngine() throws Exception {
        Gate gate = new Gate();
        List<Integer> engineRows = new java.util.concurrent.CopyOnWriteArrayList<>();
        PredictorPool.Engine counting = (predictor, rows) -> {
            engineRows.add(rows.length);
            return gate.run(predictor, rows);
        };
        try (PredictorPool pool = pool(1, 64, Duration.ZERO, counting)) {
            assertThrows(
                    DeadlineExceededException.class,
                    () -> pool.predict(new float[][] {row(1)}, Deadline.after(Duration.ZERO)),
                    "expired on arrival");
            Future<float[][]> first = call(pool, row(1));
            gate.entered.await();
            // Queued behind the gate with a deadline that passes before the predictor frees up.
            Future<float[][]> late = call(pool, Deadline.after(Duration.ofMillis(1000)), row(2));
            Future<float[][]> onTime = call(pool, row(3));
            awaitQueued(pool, 2);
            Thread.sleep(1200);
            gate.release.countDown();
            first.get();
            assertArrayEquals(unbatched(row(3))[0], onTime.get()[0], 1e-6f);
            java.util.concurrent.ExecutionException dropped =
                    assertThrows(java.util.concurrent.ExecutionException.class, late::get);
            assertTrue(
                    dropped.getCause() instanceof DeadlineExceededException,
                    dropped.getCause().toString());
        }
        assertEquals(List.of(1, 1), engineRows, "the engine saw the first call and the on-time one, nothing else");
    }
}
