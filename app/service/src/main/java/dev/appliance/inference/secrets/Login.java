package dev.appliance.inference.secrets;

/**
 * A username and password handed out by Vault (the Memcached SASL login, a dynamic CQL login). Neutral on
 * purpose: {@code Main} adapts it to what each client takes. {@link #toString()} never shows the password.
 *
 * @param username the user
 * @param password its password
 */
public record Login(String username, String password) {

    @Override
    public String toString() {
        return "Login[username=" + username + ", password=***]";
    }
}
