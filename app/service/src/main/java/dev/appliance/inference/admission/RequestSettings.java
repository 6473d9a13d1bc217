package dev.appliance.inference.admission;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;
import java.time.Duration;

/**
 * How long requests may take and how the service stops taking them, read from the {@code requests} config
 * subtree.
 *
 * @param defaultTimeout deadline of a request whose caller names none (no {@code Request-Timeout}, OIP
 *                       {@code timeout} parameter or gRPC deadline)
 * @param drainPeriod    after SIGTERM, how long the service keeps answering with readiness DOWN, so that a
 *                       load balancer's health check notices before the port closes
 * @param drainTimeout   after the drain period, the longest the service waits for requests in flight
 */
public record RequestSettings(Duration defaultTimeout, Duration drainPeriod, Duration drainTimeout) {

    /** Builds and validates the settings; the exception message names the bad key. */
    public static RequestSettings from(Config requests) {
        return new RequestSettings(
                Settings.durationInRange(
                        requests.get("default-timeout"),
                        Duration.ofSeconds(30),
                        Duration.ofMillis(10),
                        Duration.ofHours(1)),
                Settings.durationInRange(
                        requests.get("drain-period"), Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(10)),
                Settings.durationInRange(
                        requests.get("drain-timeout"), Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10)));
    }
}
