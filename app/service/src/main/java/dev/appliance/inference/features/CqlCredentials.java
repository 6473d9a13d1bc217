package dev.appliance.inference.features;

/**
 * A CQL login. {@link #toString()} never shows the password.
 *
 * @param username role name
 * @param password its password
 */
public record CqlCredentials(String username, String password) {

    @Override
    public String toString() {
        return "CqlCredentials[username=" + username + ", password=***]";
    }
}
