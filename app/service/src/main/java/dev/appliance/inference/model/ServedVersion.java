package dev.appliance.inference.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.admission.OverloadedException;
import dev.appliance.inference.lifecycle.Retirable;
import dev.appliance.inference.lifecycle.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One loaded, verified and warmed-up model version. Requests hold it between {@link #tryAcquire()} and
 * {@link #release()}; once {@link #retire() retired} it takes no new requests and unloads itself when
 * the last request in flight releases it (or {@link #DRAIN_GRACE} after retirement at the latest), so a
 * reload never fails a request.
 */
public final class ServedVersion {

    private static final Logger LOG = Logger.getLogger(ServedVersion.class.getName());
    /** How long a retired version waits for the requests that hold it; inference takes milliseconds. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(30);

    private final Manifest manifest;
    private final ZooModel<NDList, NDList> model;
    private final PredictorPool pool;
    private final Retirable users;
    private int outputWidth;

    ServedVersion(
            Manifest manifest,
            ZooModel<NDList, NDList> model,
            List<Predictor<NDList, NDList>> predictors,
            ModelSettings.Batching batching,
            ModelSettings.Queue queue,
            ModelEvents events,
            Scheduler scheduler) {
        this.manifest = manifest;
        this.model = model;
        this.pool = new PredictorPool(
                "model " + manifest.model() + " version " + manifest.version(),
                "engine-" + manifest.model() + "-" + manifest.version(),
                predictors,
                queue,
                batching.maxRows(),
                batching.maxDelay(),
                this::run,
                (calls, rows, took) -> events.inference(manifest.model(), manifest.version(), calls, rows, took));
        this.users = new Retirable(
                "model " + manifest.model() + " version " + manifest.version(), this::unload, DRAIN_GRACE, scheduler);
    }

    /** The manifest this version was verified against. */
    public Manifest manifest() {
        return manifest;
    }

    /** Values per output row, learned from the warm-up inference. */
    public int outputWidth() {
        return outputWidth;
    }

    /** Version number. */
    public long version() {
        return manifest.version();
    }

    /**
     * Runs the model on rows already in manifest feature order and returns one output row per input row.
     * Concurrent calls may run together in one engine call ({@code models.batch}); each gets only its own
     * rows back, and an engine failure on one call's rows fails that call alone. The caller must hold the
     * version (between {@link #tryAcquire()} and {@link #release()}).
     *
     * @param deadline when the caller stops waiting; work past it never reaches the engine
     * @throws OverloadedException       the version's queue is full or the wait for a predictor was too long
     * @throws DeadlineExceededException the deadline passed before the engine took the rows
     * @throws IllegalArgumentException  when a row does not have one value per manifest feature
     */
    public float[][] predict(float[][] rows, Deadline deadline)
            throws ModelUnavailableException, OverloadedException, DeadlineExceededException {
        int width = manifest.features().size();
        for (float[] row : rows) {
            if (row.length != width) {
                throw new IllegalArgumentException("rows must have " + width + " values, got " + row.length);
            }
        }
        try {
            return pool.predict(rows, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException("interrupted while waiting for a predictor");
        } catch (PredictorPool.EngineException e) {
            LOG.log(Level.WARNING, "inference failed for " + manifest.model() + " version " + version(), e.getCause());
            throw new ModelUnavailableException("inference failed in the engine", e.getCause());
        }
    }

    private float[][] run(Predictor<NDList, NDList> predictor, float[][] rows)
            throws ai.djl.translate.TranslateException {
        int width = manifest.features().size();
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray input = manager.create(flat, new Shape(rows.length, width));
            input.setName(manifest.input().name());
            NDList output = predictor.predict(new NDList(input));
            NDArray result = output.get(0);
            float[] values = result.toFloatArray();
            output.close();
            int outWidth = values.length / rows.length;
            float[][] out = new float[rows.length][outWidth];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(values, i * outWidth, out[i], 0, outWidth);
            }
            return out;
        }
    }

    /** Warms every predictor with one all-zero row so the first request does not pay for graph set-up. */
    void warmUp() throws ai.djl.translate.TranslateException {
        float[][] zero = new float[1][manifest.features().size()];
        for (Predictor<NDList, NDList> predictor : pool.all()) {
            outputWidth = run(predictor, zero)[0].length;
        }
    }

    /** Takes a hold on this version for one request; false once the version is retired. */
    public boolean tryAcquire() {
        return users.tryAcquire();
    }

    /** Gives back the hold taken by {@link #tryAcquire()}. */
    public void release() {
        users.release();
    }

    /** Stops taking requests; unloads as soon as none is in flight. */
    void retire() {
        users.retire();
    }

    /** Whether this version has been unloaded. */
    public boolean isClosed() {
        return users.isClosed();
    }

    private void unload() {
        pool.close();
        model.close();
        LOG.info(() -> "unloaded model " + manifest.model() + " version " + version());
    }
}
