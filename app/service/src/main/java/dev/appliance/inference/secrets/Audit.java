package dev.appliance.inference.secrets;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The audit trail of credentials: one record per login, rotation and revocation, and a warning for anything
 * suspicious, in the format of every audit record ({@link dev.appliance.inference.observe.Audit#record}) on
 * the logger {@value #LOGGER}. Records name users, token accessors and lease ids by a short prefix at most;
 * never a token, secret_id or password.
 */
final class Audit {

    /** Logger name, so operators can route audit lines on their own. */
    static final String LOGGER = "dev.appliance.inference.secrets.audit";

    private static final Logger LOG = Logger.getLogger(LOGGER);

    private Audit() {}

    static void login(String how, String accessor, Duration ttl) {
        write(
                Level.INFO,
                "audit: vault login (" + how + ") accessor=" + prefix(accessor) + " ttl=" + ttl.toSeconds() + "s",
                "vault_login",
                "method",
                how,
                "accessor",
                prefix(accessor),
                "ttl_seconds",
                ttl.toSeconds());
    }

    static void unwrapped(String file) {
        write(
                Level.INFO,
                "audit: unwrapped the wrapped secret_id from " + file + "; its wrapping token is now spent",
                "secret_id_unwrapped",
                "file",
                file);
    }

    static void kept(String dir, String accessor, java.time.Instant expiresAt) {
        String expiry = expiresAt == null ? "no expiry" : "expires at " + expiresAt;
        write(
                Level.INFO,
                "audit: kept the unwrapped secret_id (accessor " + prefix(accessor) + ", " + expiry + ") in " + dir,
                "secret_id_kept",
                "accessor",
                prefix(accessor),
                "expires_at",
                expiresAt == null ? "-" : expiresAt.toString(),
                "dir",
                dir);
    }

    static void rotation(String what, String username, String detail) {
        write(
                Level.INFO,
                "audit: " + what + " credentials rotated to user '" + username + "' (" + detail + ")",
                "credentials_rotated",
                "what",
                what,
                "username",
                username,
                "detail",
                detail);
    }

    static void revocation(String what, String id) {
        write(Level.INFO, "audit: " + what + " revoked: " + prefix(id), "revoked", "what", what, "id", prefix(id));
    }

    static void suspicious(String message) {
        write(Level.WARNING, "audit: SUSPICIOUS " + message, "suspicious", "detail", message);
    }

    static void failure(String message, Throwable cause) {
        String reason = Redact.reason(cause);
        write(Level.WARNING, "audit: " + message + ": " + reason, "failure", "detail", message, "reason", reason);
    }

    private static void write(Level level, String message, String event, Object... keyValues) {
        dev.appliance.inference.observe.Audit.record(LOG, level, message, event, keyValues);
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
