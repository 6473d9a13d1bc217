package dev.appliance.inference.cache;

/**
 * SASL credentials for Memcached. {@link #toString()} never shows the password.
 *
 * @param username SASL user
 * @param password SASL password
 */
public record MemcachedCredentials(String username, String password) {

    @Override
    public String toString() {
        return "MemcachedCredentials[username=" + username + ", password=***]";
    }
}
