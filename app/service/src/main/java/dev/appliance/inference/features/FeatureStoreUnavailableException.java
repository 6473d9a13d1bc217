package dev.appliance.inference.features;

/**
 * The feature store cannot answer now (down, unreachable, timed out, login refused), or it refused the operation
 * for the login's lack of permission ({@link #permissionDenied()}): a setup error that retrying cannot fix.
 */
public final class FeatureStoreUnavailableException extends Exception {

    private final boolean permissionDenied;

    FeatureStoreUnavailableException(String message, Throwable cause) {
        this(message, cause, false);
    }

    FeatureStoreUnavailableException(String message, Throwable cause, boolean permissionDenied) {
        super(message, cause);
        this.permissionDenied = permissionDenied;
    }

    /** Whether the store refused the operation because the service's login lacks the permission for it. */
    public boolean permissionDenied() {
        return permissionDenied;
    }
}
