package dev.appliance.inference.secrets;

import dev.appliance.inference.config.ConfigurationException;
import io.github.jopenlibs.vault.EnvironmentLoader;
import io.github.jopenlibs.vault.SslConfig;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import java.nio.file.Path;

/**
 * Builds vault-java-driver clients from the settings alone. The driver's {@code VaultConfig.build()} silently
 * fills unset values from {@code VAULT_ADDR}, {@code VAULT_TOKEN}, {@code VAULT_SSL_*} and the timeouts from the
 * environment; an environment loader that knows nothing keeps a stray variable on the host out of the service.
 * With {@code vault.ca-file} the clients trust only that CA, read once here so a bad file stops startup.
 */
final class VaultClients {

    /** An environment with no variables, for the driver. */
    private static final EnvironmentLoader NO_ENVIRONMENT = new EnvironmentLoader() {
        @Override
        public String loadVariable(String name) {
            return null;
        }
    };

    private final VaultSettings settings;
    private final SslConfig ssl;

    /** @throws ConfigurationException when {@code vault.ca-file} is not a readable PEM certificate */
    VaultClients(VaultSettings settings) {
        this.settings = settings;
        this.ssl = settings.caFile().map(VaultClients::trusting).orElse(null);
    }

    /** A client without a token: for unwrapping and logging in. */
    Vault anonymous() throws VaultException {
        return Vault.create(config(null));
    }

    /** A client acting with {@code token}. */
    Vault withToken(String token) throws VaultException {
        return Vault.create(config(token));
    }

    private VaultConfig config(String token) throws VaultException {
        VaultConfig config = new VaultConfig()
                .environmentLoader(NO_ENVIRONMENT)
                .address(settings.address().toString())
                .openTimeout(seconds(settings.openTimeout()))
                .readTimeout(seconds(settings.readTimeout()))
                // KV v2 for logical(), with the mount's depth so the driver inserts "data/" at the right place.
                .engineVersion(2)
                .prefixPathDepth(settings.kvMount().split("/").length);
        if (ssl != null) {
            config.sslConfig(ssl);
        }
        if (token != null) {
            config.token(token);
        }
        if (settings.namespace().isPresent()) {
            config.nameSpace(settings.namespace().get());
        }
        return config.build();
    }

    /** Explicit verify and PEM, so the driver reads neither VAULT_SSL_VERIFY nor VAULT_SSL_CERT. */
    private static SslConfig trusting(Path caFile) {
        try {
            return new SslConfig().verify(true).pemFile(caFile.toFile()).build();
        } catch (VaultException e) {
            throw new ConfigurationException(
                    "vault.ca-file " + caFile + " is not a readable PEM certificate: " + e.getMessage(), e);
        }
    }

    private static int seconds(java.time.Duration d) {
        return (int) Math.max(1, d.toSeconds());
    }
}
