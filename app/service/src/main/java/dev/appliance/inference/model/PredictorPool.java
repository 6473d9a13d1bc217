package dev.appliance.inference.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;

/**
 * A fixed set of DJL predictors for one model version. Predictors are not thread-safe, so each call
 * borrows one exclusively; when all are busy the caller waits up to the configured timeout.
 */
final class PredictorPool implements AutoCloseable {

    private final BlockingQueue<Predictor<NDList, NDList>> idle;
    private final List<Predictor<NDList, NDList>> all;

    PredictorPool(List<Predictor<NDList, NDList>> predictors) {
        this.all = List.copyOf(predictors);
        this.idle = new ArrayBlockingQueue<>(predictors.size(), false, predictors);
    }

    /** Borrows a predictor, or returns null when none became free within the timeout. */
    Predictor<NDList, NDList> borrow(Duration timeout) throws InterruptedException {
        return idle.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void giveBack(Predictor<NDList, NDList> predictor) {
        idle.add(predictor);
    }

    /** Every predictor, for the warm-up that runs before the version takes traffic. */
    List<Predictor<NDList, NDList>> all() {
        return new ArrayList<>(all);
    }

    @Override
    public void close() {
        all.forEach(Predictor::close);
    }
}
