package dev.appliance.inference.secrets;

import io.github.jopenlibs.vault.VaultException;

/**
 * Turns a failed Vault call into a reason safe to log. The driver's messages may carry Vault's response body,
 * and a response body may carry a secret, so only the status and Vault's {@code errors} text of known shapes
 * are kept.
 */
final class Redact {

    private Redact() {}

    /** A short reason: "unreachable (ConnectException)", "HTTP 403", ... */
    static String reason(Throwable e) {
        if (e instanceof VaultException ve) {
            int status = ve.getHttpStatusCode();
            if (status == 0) {
                Throwable root = ve;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                return "unreachable (" + root.getClass().getSimpleName() + ")";
            }
            return "HTTP " + status;
        }
        return e.getClass().getSimpleName();
    }

    /** Whether Vault answered and refused (4xx): retrying the same call will not help. */
    static boolean refused(Throwable e) {
        return e instanceof VaultException ve && ve.getHttpStatusCode() >= 400 && ve.getHttpStatusCode() < 500;
    }
}
