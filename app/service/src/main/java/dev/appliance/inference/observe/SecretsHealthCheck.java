package dev.appliance.inference.observe;

import dev.appliance.inference.secrets.Secrets;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Reports the Vault token and leased credentials. DOWN once they expired (Vault unreachable for longer than they
 * last), with the reason in the details; UP while they are valid, also during a Vault outage.
 */
public final class SecretsHealthCheck implements HealthCheck {

    private final Secrets secrets;

    /** Creates the check over the service's credentials. */
    public SecretsHealthCheck(Secrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "secrets";
    }

    @Override
    public HealthCheckResponse call() {
        Secrets.Health health = secrets.health();
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(health.ready());
        health.details().forEach(response::detail);
        return response.build();
    }
}
