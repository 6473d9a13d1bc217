package dev.appliance.inference.secrets;

import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.github.jopenlibs.vault.VaultException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Checks the secret_id file every {@code vault.secret-id-poll-interval} for a new delivery: each deploy writes a
 * new wrapped secret_id there, which is unwrapped and kept at once (see {@link AppRoleLogin#refresh}), so the
 * service rotates its identity without a restart and the deploy can then destroy the older secret_ids.
 */
final class SecretIdWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SecretIdWatch.class.getName());

    private final AppRoleLogin login;
    private final Duration interval;
    private final Upkeep upkeep;
    private String lastProblem;

    SecretIdWatch(VaultSettings settings, AppRoleLogin login, Scheduler scheduler) {
        this.login = login;
        this.interval = settings.secretIdPollInterval();
        this.upkeep = new Upkeep("the watch of " + settings.secretIdFile(), settings.backoff(), scheduler, "");
    }

    void start() {
        upkeep.schedule(interval, this::poll);
    }

    private void poll() {
        try {
            login.refresh();
            upkeep.succeeded();
            lastProblem = null;
            upkeep.schedule(interval, this::poll);
        } catch (LoginException | VaultException e) {
            String why = e instanceof LoginException ? e.getMessage() : "unwrapping failed: " + Redact.reason(e);
            if (!why.equals(lastProblem) && !(e instanceof LoginException le && le.suspicious())) {
                LOG.warning(() -> "checking the secret_id file for a new delivery: " + why);
            }
            lastProblem = why;
            upkeep.retry(this::poll, why, interval);
        }
    }

    /** What last went wrong, or empty. */
    String problem() {
        return upkeep.problem();
    }

    @Override
    public void close() {
        upkeep.close();
    }
}
