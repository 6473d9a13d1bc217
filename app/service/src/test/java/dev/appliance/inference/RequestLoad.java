package dev.appliance.inference;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Clients posting predictions in a loop on virtual threads until stopped, recording every outcome: how
 * many succeeded, which model versions and cache outcomes answered, and every failure.
 */
final class RequestLoad implements AutoCloseable {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger answers = new AtomicInteger();
    private final Set<String> versions = ConcurrentHashMap.newKeySet();
    private final Set<String> cacheOutcomes = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts {@code clients} loops posting {@code body.apply(i)} (i counts each client's requests) to path. */
    RequestLoad(TestServer server, int clients, String path, IntFunction<String> body) {
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; running.get(); i++) {
                    try {
                        HttpResponse<String> r = server.post(path, body.apply(i));
                        if (r.statusCode() == 200) {
                            versions.add(
                                    r.headers().firstValue("X-Model-Version").orElse("?"));
                            cacheOutcomes.add(r.headers().firstValue("X-Cache").orElse("?"));
                            answers.incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
    }

    /** Waits for {@code count} more successful answers; returns early once any request failed. */
    void awaitMoreAnswers(int count) throws InterruptedException {
        int target = answers.get() + count;
        Await.until(() -> answers.get() >= target || !failures.isEmpty(), Duration.ofSeconds(60), target + " answers");
    }

    int answers() {
        return answers.get();
    }

    Set<String> versionsSeen() {
        return versions;
    }

    Set<String> cacheOutcomesSeen() {
        return cacheOutcomes;
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops the clients and waits for their last requests to finish. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
