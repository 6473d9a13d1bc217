package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.lifecycle.ManualScheduler;
import dev.appliance.inference.model.ServedVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New versions are loaded, warmed and swapped in, and old ones unloaded, while requests keep flowing. */
class HotReloadTest {

    private static final String BODY = "{\"instances\": [[950, 7, 3, 2, 25, 8.5]]}";

    @TempDir
    Path repo;

    @Test
    void reloadUnderLoadFailsNoRequest() throws Exception {
        TestRepository.copyTree(TestRepository.demo().resolve("risk"), repo.resolve("risk"));
        ManualScheduler time = new ManualScheduler();
        try (TestServer server = new TestServer(
                Map.of("models.root", repo.toString(), "models.names", "risk", "models.poll-interval", "200ms"),
                time)) {
            time.advance(Duration.ZERO); // the first poll loads versions 1 and 2
            server.awaitReady(Duration.ofSeconds(60));
            try (RequestLoad load = new RequestLoad(server, 4, "/v1/models/risk:predict", i -> BODY)) {
                ServedVersion v2 =
                        server.appliance().registry().models().get("risk").latest();
                assertEquals(2, v2.version());
                load.awaitMoreAnswers(50);

                // Publish version 3 the way a deploy should: complete folder, then one atomic rename.
                Path staging = repo.resolve("risk").resolve(".incoming-3");
                TestRepository.copyTree(repo.resolve("risk/1"), staging);
                TestRepository.renumber(staging, 1, 3);
                Files.move(staging, repo.resolve("risk/3"), StandardCopyOption.ATOMIC_MOVE);
                time.advance(Duration.ofMillis(200)); // the next poll loads and swaps in version 3
                Await.until(() -> load.versionsSeen().contains("3"), Duration.ofSeconds(30), "version 3 answers");
                load.awaitMoreAnswers(50);
                Await.until(v2::isClosed, Duration.ofSeconds(30), "version 2 unloads once its requests finish");

                // Roll back by removing the bad version: version 2 loads again and takes over.
                deleteTree(repo.resolve("risk/3"));
                time.advance(Duration.ofMillis(200));
                assertEquals(
                        2,
                        server.appliance()
                                .registry()
                                .models()
                                .get("risk")
                                .latest()
                                .version(),
                        "version 2 serves again");
                load.awaitMoreAnswers(50);

                load.stop();
                assertEquals(List.of(), load.failures(), "no request fails during reloads");
                assertTrue(
                        load.versionsSeen().containsAll(Set.of("2", "3")),
                        "both versions answered: " + load.versionsSeen());
                assertTrue(load.answers() >= 150, "answers: " + load.answers());
                System.out.printf(
                        "hot reload: %d requests, %d failed, versions %s%n",
                        load.answers(), load.failures().size(), load.versionsSeen());
            }
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
