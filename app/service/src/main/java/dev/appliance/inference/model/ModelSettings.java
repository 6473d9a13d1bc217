package dev.appliance.inference.model;

import dev.appliance.inference.config.Settings;
import dev.appliance.inference.manifest.SigningKeys;
import io.helidon.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of the model repository, read from the {@code models} config subtree.
 *
 * @param root              repository root in TF Serving's layout: {@code <root>/<model>/<version>/}
 * @param names             models that must be served (readiness waits for each); empty means every model
 *                          folder present at start
 * @param pollInterval      how often the repository is scanned for new or removed versions
 * @param predictorsPerVersion size of the predictor pool of each loaded version
 * @param engineThreads     TensorFlow's inter-op and intra-op threads for each loaded version
 * @param queue             bounded admission in front of each version's predictors
 * @param maxRows           largest number of rows one request may carry
 * @param batching          how concurrent calls of one version are run together
 * @param labels            model name to label to version, e.g. {@code risk: {stable: 1, canary: 2}}
 * @param signingKey        Ed25519 public key every manifest must be signed by; empty means unsigned models load
 */
public record ModelSettings(
        Path root,
        List<String> names,
        Duration pollInterval,
        int predictorsPerVersion,
        int engineThreads,
        Queue queue,
        int maxRows,
        Batching batching,
        Map<String, Map<String, Long>> labels,
        Optional<PublicKey> signingKey) {

    /**
     * Dynamic batching of the calls waiting for a version's predictors.
     *
     * @param maxRows  most rows in one engine call; a request with more still runs, alone; 1 turns batching off
     * @param maxDelay how long a call may wait for others to join its batch; zero batches only the calls that
     *                 are already waiting when a predictor frees up
     */
    public record Batching(int maxRows, Duration maxDelay) {

        static Batching from(Config batch) {
            return new Batching(
                    Settings.intInRange(batch.get("max-rows"), 64, 1, 100_000),
                    Settings.durationInRange(
                            batch.get("max-delay"), Duration.ZERO, Duration.ZERO, Duration.ofMillis(100)));
        }
    }

    /**
     * The bounded queue of calls waiting for one version's predictors.
     *
     * @param size       most calls waiting; one more is refused at once as overloaded
     * @param maxWait    longest a call waits for a predictor before it is refused as overloaded
     * @param retryAfter what an overloaded answer tells the caller to wait ({@code Retry-After}, whole seconds)
     */
    public record Queue(int size, Duration maxWait, Duration retryAfter) {

        static Queue from(Config queue) {
            return new Queue(
                    Settings.intInRange(queue.get("size"), 128, 1, 100_000),
                    Settings.durationInRange(
                            queue.get("max-wait"), Duration.ofSeconds(5), Duration.ofMillis(1), Duration.ofMinutes(5)),
                    Settings.durationInRange(
                            queue.get("retry-after"),
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(1),
                            Duration.ofMinutes(10)));
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    /** Builds and validates the settings; the exception message names the bad key. */
    public static ModelSettings from(Config models) {
        Config rootNode = models.get("root");
        Path root = Path.of(Settings.optionalString(rootNode).orElse("models"));
        if (!Files.isDirectory(root)) {
            throw Settings.invalid(rootNode, "must be an existing folder", root);
        }
        Config namesNode = models.get("names");
        // A YAML list, or a comma-separated value (handy as MODELS_NAMES=risk,risk_heavy).
        List<String> names = namesNode.isLeaf()
                ? Settings.optionalString(namesNode)
                        .map(v -> List.of(v.split("\\s*,\\s*")))
                        .orElse(List.of())
                : namesNode.asList(String.class).orElse(List.of());
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw Settings.invalid(namesNode, "must hold model folder names ([A-Za-z0-9_.-])", name);
            }
        }
        return new ModelSettings(
                root.toAbsolutePath().normalize(),
                List.copyOf(names),
                Settings.durationInRange(
                        models.get("poll-interval"),
                        Duration.ofSeconds(5),
                        Duration.ofMillis(100),
                        Duration.ofHours(1)),
                Settings.intInRange(models.get("predictors-per-version"), 2, 1, 64),
                Settings.intInRange(models.get("engine-threads"), 1, 1, 64),
                Queue.from(models.get("queue")),
                Settings.intInRange(models.get("max-rows"), 1024, 1, 100_000),
                Batching.from(models.get("batch")),
                labels(models.get("labels")),
                signingKey(models.get("signature.key")));
    }

    private static Map<String, Map<String, Long>> labels(Config node) {
        Map<String, Map<String, Long>> result = new LinkedHashMap<>();
        for (Config model : node.asNodeList().orElse(List.of())) {
            Map<String, Long> byLabel = new LinkedHashMap<>();
            for (Config label : model.asNodeList().orElse(List.of())) {
                long version = label.asString()
                        .map(String::trim)
                        .filter(s -> s.matches("\\d{1,18}"))
                        .map(Long::parseLong)
                        .orElseThrow(() -> Settings.invalid(
                                label,
                                "must be a version number",
                                label.asString().orElse("")));
                byLabel.put(label.name(), version);
            }
            result.put(model.name(), Map.copyOf(byLabel));
        }
        return Map.copyOf(result);
    }

    private static Optional<PublicKey> signingKey(Config node) {
        Optional<String> path = Settings.optionalString(node);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SigningKeys.readPublicKey(Path.of(path.get())));
        } catch (IOException e) {
            throw Settings.invalid(
                    node, "must be a readable Ed25519 public key in PEM (" + e.getMessage() + ")", path.get());
        }
    }
}
