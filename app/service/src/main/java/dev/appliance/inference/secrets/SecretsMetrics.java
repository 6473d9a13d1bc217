package dev.appliance.inference.secrets;

import dev.appliance.inference.observe.Meters;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import java.util.List;
import java.util.function.Supplier;

/**
 * Meters of the Vault client. The {@code what} tag is one of {@code token}, {@code lease} (the reader's CQL
 * lease), {@code writer_lease} (the write API's) and {@code kv}, so cardinality stays fixed.
 */
final class SecretsMetrics {

    private final MeterRegistry registry;

    SecretsMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Seconds until the token or lease expires; negative once expired, -1 before the first one. */
    void ttl(String what, Supplier<Double> seconds) {
        gauge(
                "vault_" + what + "_ttl_seconds",
                seconds,
                "Seconds until the Vault " + what.replace('_', ' ') + " expires (negative: expired)");
    }

    private void gauge(String name, Supplier<Double> seconds, String description) {
        // A gauge reads the object it was registered with: replace one left by an earlier instance.
        Meters.remove(registry, m -> m.id().name().equals(name));
        registry.getOrCreate(Gauge.builder(name, seconds).description(description));
    }

    /**
     * Seconds until the kept AppRole secret_id expires ({@code vault_identity_ttl_seconds}): +Inf when it does not
     * expire, -1 while none is kept, negative once expired.
     */
    void identityTtl(Supplier<Double> seconds) {
        gauge(
                "vault_identity_ttl_seconds",
                seconds,
                "Seconds until the secret_id the service keeps in "
                        + "vault.identity-dir expires (+Inf: no expiry; -1: none kept; negative: expired)");
    }

    void renewal(String what) {
        count("vault_renewals", "Successful renewals of the Vault token or lease", what);
    }

    void renewalFailure(String what) {
        count("vault_renewal_failures", "Failed renewals of the Vault token or lease (refused or unreachable)", what);
    }

    void rotation(String what) {
        count(
                "vault_rotations",
                "Credentials replaced: a new token by login, new lease credentials, a new KV version",
                what);
    }

    void login() {
        count("vault_logins", "Successful AppRole logins", "token");
    }

    void loginFailure() {
        count("vault_login_failures", "Failed AppRole logins (including a failed unwrap of the secret_id)", "token");
    }

    void readFailure(String what) {
        count("vault_read_failures", "Failed reads of a KV secret or of new database credentials", what);
    }

    private void count(String name, String description, String what) {
        registry.getOrCreate(Counter.builder(name).description(description).tags(List.of(Tag.create("what", what))))
                .increment();
    }
}
