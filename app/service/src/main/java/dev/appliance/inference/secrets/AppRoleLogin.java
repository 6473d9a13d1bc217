package dev.appliance.inference.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.UnwrapResponse;

/**
 * Logs in with AppRole from the role_id and secret_id files. The secret_id file holds either a response-wrapped
 * secret_id (a single-use wrapping token, unwrapped here once) or a plain secret_id; see
 * {@link VaultSettings.SecretIdFormat}. Each login reads the files again, so a secret_id delivered since the last
 * login is picked up; a wrapping token already unwrapped by this process is not unwrapped twice, its secret_id is
 * remembered in memory (keyed by a hash of the file, never written anywhere).
 */
final class AppRoleLogin {

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final VaultSettings settings;
    private final VaultClients clients;
    private final Clock clock;
    private String unwrappedFileHash;
    private String unwrappedSecretId;

    AppRoleLogin(VaultSettings settings, VaultClients clients, Clock clock) {
        this.settings = settings;
        this.clients = clients;
        this.clock = clock;
    }

    /**
     * Logs in and returns the new token.
     *
     * @throws LoginException when the files or Vault's answer show that retrying the same login cannot help
     * @throws VaultException when Vault could not be reached (worth retrying)
     */
    synchronized Token login() throws LoginException, VaultException {
        String roleId = read(settings.roleIdFile(), "vault.role-id-file");
        String secretId = secretId(read(settings.secretIdFile(), "vault.secret-id-file"));
        AuthResponse auth;
        try {
            auth = clients.anonymous().auth().loginByAppRole(settings.appRoleMount(), roleId, secretId);
        } catch (VaultException e) {
            if (Redact.refused(e)) {
                throw new LoginException("AppRole login refused (" + Redact.reason(e) + "): role_id or secret_id "
                        + "is not valid (expired, used up, or for another role); deliver a new secret_id to "
                        + settings.secretIdFile(), false);
            }
            throw e;
        }
        String token = auth.getAuthClientToken();
        if (token == null || token.isEmpty()) {
            throw new LoginException("AppRole login answered without a token (HTTP "
                    + auth.getRestResponse().getStatus() + ")", false);
        }
        Duration ttl = Duration.ofSeconds(auth.getAuthLeaseDuration());
        Audit.login("approle", auth.getTokenAccessor(), ttl);
        return new Token(token, auth.getTokenAccessor(), clock.instant().plus(ttl), auth.isAuthRenewable());
    }

    private String secretId(String content) throws LoginException, VaultException {
        boolean wrapped = switch (settings.secretIdFormat()) {
            case WRAPPED -> true;
            case PLAIN -> false;
            case AUTO -> !UUID.matcher(content).matches();
        };
        if (!wrapped) {
            return content;
        }
        String hash = sha256(content);
        if (hash.equals(unwrappedFileHash)) {
            return unwrappedSecretId;
        }
        String secretId = unwrap(content);
        unwrappedFileHash = hash;
        unwrappedSecretId = secretId;
        return secretId;
    }

    private String unwrap(String wrappingToken) throws LoginException, VaultException {
        UnwrapResponse response;
        try {
            response = clients.anonymous().sys().wrapping().unwrap(wrappingToken, false);
        } catch (VaultException e) {
            if (Redact.refused(e)) {
                String message = "wrapped secret_id in " + settings.secretIdFile() + " was already unwrapped "
                        + "(or has expired) — possible interception; Vault answered " + Redact.reason(e);
                Audit.suspicious(message);
                throw new LoginException(message, true);
            }
            throw e;
        }
        JsonValue secretId = response.getData() == null ? null : response.getData().get("secret_id");
        if (secretId == null || !secretId.isString() || secretId.asString().isEmpty()) {
            String message = "the wrapping token in " + settings.secretIdFile() + " did not wrap a secret_id";
            Audit.suspicious(message);
            throw new LoginException(message, true);
        }
        Audit.unwrapped(settings.secretIdFile().toString());
        return secretId.asString();
    }

    private static String read(Path file, String key) throws LoginException {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (content.isEmpty()) {
                throw new LoginException(key + " " + file + " is empty", false);
            }
            return content;
        } catch (IOException e) {
            throw new LoginException(key + " " + file + " cannot be read: " + e.getClass().getSimpleName(), false);
        }
    }

    private static String sha256(String content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
