package dev.appliance.inference.manifest;

/** A version folder whose signature or files do not match its manifest; the message says what is wrong. */
public final class ManifestException extends Exception {

    /** What does not match. */
    public enum Problem {
        /** manifest.sig is missing, malformed or not by the trusted key. */
        SIGNATURE,
        /** A file is missing, unlisted, not a regular file or has another SHA-256. */
        INTEGRITY
    }

    private final Problem problem;

    ManifestException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    /** What does not match. */
    public Problem problem() {
        return problem;
    }
}
