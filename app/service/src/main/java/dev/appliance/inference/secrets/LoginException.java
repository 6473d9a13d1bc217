package dev.appliance.inference.secrets;

/**
 * A login that cannot succeed by retrying the same inputs: a missing file, a secret_id Vault refuses, a wrapping
 * token that was already used. The message is safe to log: it never contains a secret.
 */
final class LoginException extends Exception {

    private final boolean suspicious;

    LoginException(String message, boolean suspicious) {
        super(message);
        this.suspicious = suspicious;
    }

    /** Whether the failure hints at an attack (the wrapped secret_id was unwrapped by someone else). */
    boolean suspicious() {
        return suspicious;
    }
}
