package dev.appliance.inference.secrets;

/**
 * Dynamic CQL credentials from Vault's database secrets engine. {@link #toString()} never shows the password.
 *
 * @param username CQL role Vault created for the service
 * @param password its password
 */
public record CqlCredentials(String username, String password) {

    @Override
    public String toString() {
        return "CqlCredentials[username=" + username + ", password=***]";
    }
}
