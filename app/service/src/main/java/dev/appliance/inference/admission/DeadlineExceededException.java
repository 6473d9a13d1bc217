package dev.appliance.inference.admission;

/** A request's deadline passed before its work was done; the work was dropped: a 504. */
public final class DeadlineExceededException extends Exception {

    DeadlineExceededException(Deadline deadline, String where) {
        super("the request's deadline of " + deadline.budget().toMillis() + " ms passed " + where, null, false, false);
    }
}
