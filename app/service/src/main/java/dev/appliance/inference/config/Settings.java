package dev.appliance.inference.config;

import io.helidon.config.Config;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, range-checked reads of configuration values. Every failure names the full key, the allowed
 * range and the value it got, so a bad setting stops startup with a message an operator can act on.
 */
public final class Settings {

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Settings() {}

    /** Reads an integer in {@code [min, max]}, or the default when the key is absent. */
    public static int intInRange(Config node, int defaultValue, int min, int max) {
        String raw = node.asString().orElse(null);
        if (raw == null) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw invalid(node, "must be an integer between " + min + " and " + max, raw);
        }
        if (value < min || value > max) {
            throw invalid(node, "must be between " + min + " and " + max, raw);
        }
        return value;
    }

    /**
     * Reads a duration in {@code [min, max]}, or the default when the key is absent. Accepts {@code 500ms},
     * {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d} and ISO-8601 ({@code PT5S}).
     */
    public static Duration durationInRange(Config node, Duration defaultValue, Duration min, Duration max) {
        String raw = node.asString().orElse(null);
        if (raw == null) {
            return defaultValue;
        }
        Duration value = parseDuration(raw)
                .orElseThrow(() -> invalid(node, "must be a duration such as 500ms, 5s, 2m or PT5S", raw));
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw invalid(node, "must be between " + format(min) + " and " + format(max), raw);
        }
        return value;
    }

    /** Reads an optional non-blank string; a blank value counts as absent. */
    public static Optional<String> optionalString(Config node) {
        return node.asString().map(String::trim).filter(s -> !s.isEmpty());
    }

    /**
     * Reads a list of {@code host:port} entries, given as a YAML list or one comma-separated value (so an
     * environment variable can set it). Hosts stay unresolved; absent means an empty list.
     */
    public static List<InetSocketAddress> hostPorts(Config node) {
        List<String> entries = node.isLeaf()
                ? optionalString(node).map(v -> List.of(v.split("\\s*,\\s*"))).orElse(List.of())
                : node.asList(String.class).orElse(List.of());
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String entry : entries) {
            int colon = entry.lastIndexOf(':');
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65_535) {
                throw invalid(node, "entries must be host:port with a port between 1 and 65535", entry);
            }
            addresses.add(InetSocketAddress.createUnresolved(entry.substring(0, colon), port));
        }
        return List.copyOf(addresses);
    }

    /**
     * Reads {@code username} and {@code password} under {@code node}, which must be set together; empty when
     * neither is set.
     */
    public static <T> Optional<T> login(Config node, java.util.function.BiFunction<String, String, T> credentials) {
        Optional<String> user = optionalString(node.get("username"));
        Optional<String> password = optionalString(node.get("password"));
        if (user.isPresent() != password.isPresent()) {
            String missing = user.isPresent() ? "password" : "username";
            throw invalid(
                    node.get(missing),
                    "must be set together with " + node.key() + "." + (user.isPresent() ? "username" : "password"),
                    "");
        }
        return user.map(u -> credentials.apply(u, password.orElseThrow()));
    }

    /** The exception every settings record throws for a bad value. */
    public static ConfigurationException invalid(Config node, String rule, Object got) {
        return new ConfigurationException(node.key() + " " + rule + ", got '" + got + "'");
    }

    /** Parses {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d} or ISO-8601; empty when it is neither. */
    public static Optional<Duration> parseDuration(String raw) {
        String text = raw.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return Optional.of(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(amount);
                        case "s" -> Duration.ofSeconds(amount);
                        case "m" -> Duration.ofMinutes(amount);
                        case "h" -> Duration.ofHours(amount);
                        default -> Duration.ofDays(amount);
                    });
        }
        try {
            return Optional.of(Duration.parse(raw.trim()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        return d.toSeconds() + "s";
    }
}
