package dev.appliance.inference.model;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Canary and A/B steering: which version answers a request that names none. Per steered model a share of
 * such requests goes to the version labelled {@code canary} and the rest to the one labelled {@code stable};
 * with {@code sticky} the share is decided by a hash of the request's entity id, so one entity always lands
 * on the same side while the weight stays the same. Models without steering answer from the latest version.
 */
public final class Steering {

    /** Label the canary share goes to. */
    public static final String CANARY = "canary";
    /** Label the rest goes to. */
    public static final String STABLE = "stable";

    /**
     * One model's split.
     *
     * @param canaryPercent share of unpinned requests that the canary answers, 0 to 100
     * @param sticky        whether an entity id decides the side instead of chance
     */
    public record Split(int canaryPercent, boolean sticky) {}

    private final Map<String, Split> splits;

    /** Steering with the given splits by model name. */
    public Steering(Map<String, Split> splits) {
        this.splits = Map.copyOf(splits);
    }

    /**
     * Reads {@code models.steering}: {@code <model>: {canary-weight: 10, sticky: true}}. Each steered model
     * must define both labels in {@code models.labels}.
     */
    public static Steering from(Config node, Map<String, Map<String, Long>> labels) {
        Map<String, Split> splits = new LinkedHashMap<>();
        for (Config model : node.asNodeList().orElse(List.of())) {
            Map<String, Long> defined = labels.getOrDefault(model.name(), Map.of());
            if (!defined.containsKey(CANARY) || !defined.containsKey(STABLE)) {
                throw Settings.invalid(
                        model,
                        "needs the labels '" + CANARY + "' and '" + STABLE + "' in models.labels." + model.name(),
                        String.join(", ", defined.keySet()));
            }
            Config sticky = model.get("sticky");
            String stickyValue = sticky.asString().orElse("false").trim();
            if (!stickyValue.equals("true") && !stickyValue.equals("false")) {
                throw Settings.invalid(sticky, "must be true or false", stickyValue);
            }
            splits.put(
                    model.name(),
                    new Split(
                            Settings.intInRange(model.get("canary-weight"), 0, 0, 100),
                            Boolean.parseBoolean(stickyValue)));
        }
        return new Steering(splits);
    }

    /**
     * The version a request without a version, label or pin goes to.
     *
     * @param entityId the request's entity id, or null; used only when the model's split is sticky
     */
    public VersionSelector route(String model, String entityId) {
        Split split = splits.get(model);
        if (split == null) {
            return VersionSelector.LATEST;
        }
        int bucket = split.sticky() && entityId != null
                ? bucket(model, entityId)
                : ThreadLocalRandom.current().nextInt(100);
        return new VersionSelector.Label(bucket < split.canaryPercent() ? CANARY : STABLE);
    }

    /** A stable bucket 0..99 from SHA-256 of model and entity id: the same on every node and restart. */
    static int bucket(String model, String entityId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((model + "\n" + entityId).getBytes(StandardCharsets.UTF_8));
            long head = 0;
            for (int i = 0; i < 8; i++) {
                head = (head << 8) | (digest[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(head, 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
