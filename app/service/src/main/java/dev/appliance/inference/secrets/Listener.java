package dev.appliance.inference.secrets;

/**
 * Receives new credentials. Throwing means the switch failed: the old credentials stay in use and the new ones
 * are offered again later.
 *
 * @param <T> the credentials type
 */
@FunctionalInterface
public interface Listener<T> {

    /** Switches to {@code credentials}; returns once they are in use. */
    void accept(T credentials) throws Exception;
}
