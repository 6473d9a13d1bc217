package dev.appliance.inference;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import dev.appliance.inference.model.ServedVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** New versions are loaded, warmed and swapped in, and old ones unloaded, while requests keep flowing. */
class HotReloadTest {

    private static final String BODY = "{\"instances\": [[950, 7, 3, 2, 25, 8.5]]}";

    @TempDir
    Path repo;

    @Test
    void reloadUnderLoadFailsNoRequest() throws Exception {
        TestRepository.copyTree(TestRepository.demo().resolve("risk"), repo.resolve("risk"));
        try (TestServer server = new TestServer(Map.of("models.root", repo.toString(), "models.names", "risk",
                "models.poll-interval", "200ms")).awaitReady(Duration.ofSeconds(60));
             Load load = new Load(server, 4)) {
            ServedVersion v2 = server.appliance().registry().models().get("risk").latest();
            assertEquals(2, v2.version());
            load.awaitMoreAnswers(50);

            // Publish version 3 the way a deploy should: complete folder, then one atomic rename.
            Path staging = repo.resolve("risk").resolve(".incoming-3");
            TestRepository.copyTree(repo.resolve("risk/1"), staging);
            TestRepository.renumber(staging, 1, 3);
            Files.move(staging, repo.resolve("risk/3"), StandardCopyOption.ATOMIC_MOVE);
            await(() -> load.versionsSeen().contains("3"), "version 3 answers");
            load.awaitMoreAnswers(50);
            await(v2::isClosed, "version 2 unloads once its requests finish");

            // Roll back by removing the bad version: version 2 loads again and takes over.
            deleteTree(repo.resolve("risk/3"));
            await(() -> server.appliance().registry().models().get("risk").latest().version() == 2,
                    "version 2 serves again");
            load.awaitMoreAnswers(50);

            load.stop();
            assertEquals(List.of(), load.failures(), "no request fails during reloads");
            assertTrue(load.versionsSeen().containsAll(Set.of("2", "3")), "both versions answered: " + load.versionsSeen());
            assertTrue(load.answers() >= 150, "answers: " + load.answers());
            System.out.printf("hot reload: %d requests, %d failed, versions %s%n",
                    load.answers(), load.failures().size(), load.versionsSeen());
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Clients posting predictions in a loop on virtual threads, recording every outcome. */
    private static final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger answers = new AtomicInteger();
        private final Set<String> versions = ConcurrentHashMap.newKeySet();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(TestServer server, int clients) {
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = server.post("/v1/models/risk:predict", BODY);
                            if (r.statusCode() == 200) {
                                versions.add(r.headers().firstValue("X-Model-Version").orElse("?"));
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
            await(() -> answers.get() >= target || !failures.isEmpty(), target + " answers");
        }

        int answers() {
            return answers.get();
        }

        Set<String> versionsSeen() {
            return versions;
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

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
}
