package dev.appliance.inference.secrets;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The audit trail of credentials: one line per login, rotation and revocation, and a warning for anything
 * suspicious. Lines name users, token accessors and lease ids by a short prefix at most; never a token,
 * secret_id or password.
 */
final class Audit {

    /** Logger name, so operators can route audit lines on their own. */
    static final String LOGGER = "dev.appliance.inference.secrets.audit";

    private static final Logger LOG = Logger.getLogger(LOGGER);

    private Audit() {
    }

    static void login(String how, String accessor, Duration ttl) {
        LOG.info(() -> "audit: vault login (" + how + ") accessor=" + prefix(accessor) + " ttl=" + ttl.toSeconds()
                + "s");
    }

    static void unwrapped(String file) {
        LOG.info(() -> "audit: unwrapped the wrapped secret_id from " + file + "; its wrapping token is now spent");
    }

    static void kept(String dir, String accessor, java.time.Instant expiresAt) {
        LOG.info(() -> "audit: kept the unwrapped secret_id (accessor " + prefix(accessor) + ", "
                + (expiresAt == null ? "no expiry" : "expires at " + expiresAt) + ") in " + dir);
    }

    static void rotation(String what, String username, String detail) {
        LOG.info(() -> "audit: " + what + " credentials rotated to user '" + username + "' (" + detail + ")");
    }

    static void revocation(String what, String id) {
        LOG.info(() -> "audit: " + what + " revoked: " + prefix(id));
    }

    static void suspicious(String message) {
        LOG.warning(() -> "audit: SUSPICIOUS " + message);
    }

    static void failure(String message, Throwable cause) {
        LOG.log(Level.WARNING, "audit: " + message + ": " + Redact.reason(cause));
    }

    /** The first characters of an accessor or lease id: enough to find it in Vault's audit log. */
    static String prefix(String id) {
        if (id == null || id.isEmpty()) {
            return "-";
        }
        int slash = id.lastIndexOf('/');
        String tail = id.substring(slash + 1);
        String head = slash >= 0 ? id.substring(0, slash + 1) : "";
        return head + tail.substring(0, Math.min(8, tail.length())) + "…";
    }
}
