package dev.appliance.inference.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.admission.OverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of DJL predictors for one model version, and the calls waiting for them. Predictors are not
 * thread-safe, so each engine call has one exclusively. Calls that arrive while every predictor is busy
 * queue up; whoever gets the next free predictor runs the queued calls together as one batch of up to
 * {@code maxBatchRows} rows, optionally waiting {@code maxDelay} for more calls to join, and hands each
 * call its own rows of the output. One of the callers runs the batch (it holds the version for the whole
 * call like every other member), handing the engine call itself to one of the pool's platform threads.
 *
 * <p>Admission is bounded: a call that finds the queue full ({@code queue.size}) is refused at once, and a
 * call not taken into a batch within {@code queue.max-wait} leaves the queue refused; both as overloaded. A
 * call whose deadline passes while it waits is dropped, and a batch leaves out every member whose deadline
 * has passed before it calls the engine, so expired work never reaches the model. A batch that fails in the
 * engine is rerun call by call, so one call that breaks the model fails alone.
 */
final class PredictorPool implements AutoCloseable {

    /** Runs the model on a predictor: the rows of every member of a batch, concatenated. */
    @FunctionalInterface
    interface Engine {
        float[][] run(Predictor<NDList, NDList> predictor, float[][] rows) throws Exception;
    }

    /** What became of a batch: how many calls and rows it held and how long the engine took. */
    @FunctionalInterface
    interface BatchListener {
        void ran(int calls, int rows, Duration took);
    }

    /** Raised to the caller when the engine failed on its own rows. */
    static final class EngineException extends Exception {
        EngineException(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** One caller's rows; guarded by the pool's lock until {@code done}. */
    private static final class Call {
        final float[][] rows;
        final Deadline deadline;
        final long enqueued = System.nanoTime();
        final Condition wake;
        Predictor<NDList, NDList> turn;
        List<Call> batch;
        boolean done;
        boolean expired;
        float[][] result;
        Exception error;

        Call(float[][] rows, Deadline deadline, Condition wake) {
            this.rows = rows;
            this.deadline = deadline;
            this.wake = wake;
        }
    }

    private final List<Predictor<NDList, NDList>> all;
    private final Deque<Predictor<NDList, NDList>> idle;
    private final Deque<Call> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final String name;
    private final ModelSettings.Queue queue;
    private final int maxBatchRows;
    private final long maxDelayNanos;
    private final Engine engine;
    private final ExecutorService engineThreads;
    private final BatchListener listener;

    /**
     * @param name       what the pool serves, for messages ("model risk version 2")
     * @param threadName prefix of the engine threads' names
     */
    PredictorPool(
            String name,
            String threadName,
            List<Predictor<NDList, NDList>> predictors,
            ModelSettings.Queue queue,
            int maxBatchRows,
            Duration maxDelay,
            Engine engine,
            BatchListener listener) {
        this.name = name;
        this.queue = queue;
        this.all = List.copyOf(predictors);
        this.idle = new ArrayDeque<>(predictors);
        this.maxBatchRows = maxBatchRows;
        this.maxDelayNanos = maxDelay.toNanos();
        this.engine = engine;
        this.engineThreads = Executors.newFixedThreadPool(
                predictors.size(),
                Thread.ofPlatform().name(threadName + "-", 0).daemon().factory());
        this.listener = listener;
    }

    /**
     * Runs the rows, alone or in a batch with other calls, and returns their output rows.
     *
     * @throws EngineException           the engine failed on these rows
     * @throws OverloadedException       the queue was full, or no predictor took the call within the maximum wait
     * @throws DeadlineExceededException the deadline passed before the engine took the rows
     */
    float[][] predict(float[][] rows, Deadline deadline)
            throws EngineException, OverloadedException, DeadlineExceededException, InterruptedException {
        deadline.check("before the request reached " + name);
        Call call;
        lock.lock();
        try {
            if (idle.isEmpty() && waiting.size() >= queue.size()) {
                throw new OverloadedException(
                        name + " is overloaded: " + waiting.size() + " requests wait for it"
                                + " (models.queue.size); retry later or elsewhere",
                        queue.retryAfter());
            }
            call = new Call(rows, deadline, lock.newCondition());
            waiting.addLast(call);
            arrived.signal();
            if (!idle.isEmpty()) {
                call.turn = idle.pop();
                call.batch = takeBatch();
            }
            long wait = Math.min(queue.maxWait().toNanos(), deadline.remainingNanos());
            if (!awaitTurnOrResult(call, wait)) {
                deadline.check("while the request waited for " + name);
                throw new OverloadedException(
                        name + " is overloaded: no predictor took the request within "
                                + queue.maxWait().toMillis() + " ms (models.queue.max-wait); retry later or elsewhere",
                        queue.retryAfter());
            }
        } finally {
            lock.unlock();
        }
        if (call.turn != null) {
            runBatch(call.turn, call.batch);
        }
        if (call.expired) {
            deadline.check("while the request waited for " + name);
        }
        if (call.error != null) {
            throw new EngineException(call.error);
        }
        return call.result;
    }

    /**
     * Waits, under the lock, until the call is answered or has a predictor to run its batch on (after the
     * queue delay); false when it timed out in the queue. An interrupt leaves the queue, except that a call
     * holding a predictor keeps it to run its batch, since the other members wait for that.
     */
    private boolean awaitTurnOrResult(Call call, long timeoutNanos) throws InterruptedException {
        long left = timeoutNanos;
        try {
            while (!call.done && call.turn == null) {
                if (left <= 0 && waiting.remove(call)) {
                    return false;
                }
                // Once taken into a batch the call waits for that batch, however long the engine takes.
                left = call.wake.awaitNanos(left > 0 ? left : TimeUnit.SECONDS.toNanos(1));
            }
            if (call.turn != null) {
                lingerForMore(call);
            }
            return true;
        } catch (InterruptedException e) {
            if (call.turn == null) {
                waiting.remove(call);
                throw e;
            }
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Takes queued calls, oldest first, while they fit; the first always goes, however many rows it has. */
    private List<Call> takeBatch() {
        List<Call> batch = new ArrayList<>();
        int rows = 0;
        for (Call next = waiting.peekFirst(); next != null; next = waiting.peekFirst()) {
            if (!batch.isEmpty() && rows + next.rows.length > maxBatchRows) {
                break;
            }
            batch.add(waiting.pollFirst());
            rows += next.rows.length;
        }
        return batch;
    }

    /** With a queue delay set, waits until the batch is full or its oldest call has waited that long. */
    private void lingerForMore(Call runner) throws InterruptedException {
        if (maxDelayNanos == 0) {
            return;
        }
        long deadline = runner.batch.get(0).enqueued + maxDelayNanos;
        while (true) {
            int rows = runner.batch.stream().mapToInt(c -> c.rows.length).sum();
            Call next = waiting.peekFirst();
            if (next != null && rows + next.rows.length <= maxBatchRows) {
                runner.batch.add(waiting.pollFirst());
                continue;
            }
            long left = deadline - System.nanoTime();
            if (next != null || rows >= maxBatchRows || left <= 0) {
                return;
            }
            arrived.awaitNanos(left);
        }
    }

    private void runBatch(Predictor<NDList, NDList> predictor, List<Call> members) {
        List<Call> batch = unexpired(members);
        try {
            if (batch.isEmpty()) {
                return;
            }
            if (batch.size() == 1) {
                runAlone(predictor, batch.get(0));
            } else {
                runTogether(predictor, batch);
            }
        } finally {
            lock.lock();
            try {
                for (Call member : members) {
                    member.done = true;
                    member.wake.signal();
                }
                Call next = waiting.peekFirst();
                if (next == null) {
                    idle.push(predictor);
                } else {
                    next.turn = predictor;
                    next.batch = takeBatch();
                    next.wake.signal();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The members whose deadline has not passed; the others are marked expired and never reach the engine. */
    private static List<Call> unexpired(List<Call> members) {
        List<Call> live = new ArrayList<>(members.size());
        for (Call member : members) {
            if (member.deadline.expired()) {
                member.expired = true;
            } else {
                live.add(member);
            }
        }
        return live;
    }

    /**
     * Runs the engine on a platform thread while the calling virtual thread waits unmounted: a virtual
     * thread inside a native call keeps its carrier, and with a carrier per core two inferences would stall
     * every other request of the service meanwhile.
     */
    private float[][] onEngineThread(Predictor<NDList, NDList> predictor, float[][] rows) throws Exception {
        Future<float[][]> run = engineThreads.submit(() -> engine.run(predictor, rows));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return run.get();
                } catch (InterruptedException e) {
                    // The members of the batch wait for this result; finish it, then keep the interrupt.
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runAlone(Predictor<NDList, NDList> predictor, Call call) {
        long start = System.nanoTime();
        try {
            call.result = onEngineThread(predictor, call.rows);
        } catch (Exception e) {
            call.error = e;
        } finally {
            listener.ran(1, call.rows.length, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private void runTogether(Predictor<NDList, NDList> predictor, List<Call> batch) {
        int total = batch.stream().mapToInt(c -> c.rows.length).sum();
        float[][] rows = new float[total][];
        int at = 0;
        for (Call member : batch) {
            System.arraycopy(member.rows, 0, rows, at, member.rows.length);
            at += member.rows.length;
        }
        long start = System.nanoTime();
        float[][] outputs;
        try {
            outputs = onEngineThread(predictor, rows);
        } catch (Exception e) {
            // Which member broke it is unknown: each runs again on its own and gets its own answer or error.
            listener.ran(batch.size(), total, Duration.ofNanos(System.nanoTime() - start));
            batch.forEach(member -> runAlone(predictor, member));
            return;
        }
        listener.ran(batch.size(), total, Duration.ofNanos(System.nanoTime() - start));
        at = 0;
        for (Call member : batch) {
            float[][] own = new float[member.rows.length][];
            System.arraycopy(outputs, at, own, 0, own.length);
            member.result = own;
            at += own.length;
        }
    }

    /** How many calls wait for a predictor right now. */
    int queued() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Every predictor, for the warm-up that runs before the version takes traffic. */
    List<Predictor<NDList, NDList>> all() {
        return new ArrayList<>(all);
    }

    @Override
    public void close() {
        engineThreads.shutdown();
        all.forEach(Predictor::close);
    }
}
