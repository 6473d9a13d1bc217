package dev.appliance.inference.secrets;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.json.JsonObject;
import io.github.jopenlibs.vault.json.JsonValue;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.UnwrapResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Logs in with AppRole from the role_id and secret_id files. The secret_id file holds either a response-wrapped
 * secret_id (a single-use wrapping token) or a plain secret_id; see {@link VaultSettings.SecretIdFormat}.
 *
 * <p>A wrapping token is unwrapped once. With {@code vault.identity-dir} the secret_id it wrapped is kept there
 * ({@link Identity}) under the SHA-256 of the file's content, so a restart finds the same file already consumed
 * by this service and logs in with the kept secret_id: no unwrap, no alarm. A file whose digest differs holds a
 * new delivery (every deploy writes one): it is unwrapped, kept, and used from then on. A wrapping token Vault
 * refuses to unwrap whose digest is not recorded as consumed here was used by someone else: that is logged as
 * {@code SUSPICIOUS}; before the first login it stops the start, afterwards the service keeps the identity it
 * has. Without an identity directory the unwrapped secret_id is only remembered in memory.
 */
final class AppRoleLogin {

    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** What an unwrap yields. */
    private record Unwrapped(String secretId, String accessor, Duration ttl, int numUses) {}

    private final VaultSettings settings;
    private final VaultClients clients;
    private final Optional<Identity> identity;
    private final Clock clock;
    private String unwrappedFileHash;
    private String unwrappedSecretId;
    private String refusedFileHash;
    private boolean loggedIn;

    AppRoleLogin(VaultSettings settings, VaultClients clients, Optional<Identity> identity, Clock clock) {
        this.settings = settings;
        this.clients = clients;
        this.identity = identity;
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
        String secretId = secretId();
        AuthResponse auth;
        try {
            auth = clients.anonymous().auth().loginByAppRole(settings.appRoleMount(), roleId, secretId);
        } catch (VaultException e) {
            if (Redact.refused(e)) {
                throw new LoginException(
                        "AppRole login refused (" + Redact.reason(e) + "): " + whatWasRefused()
                                + " is not valid (expired, used up, destroyed, used from another address, or for another "
                                + "role); run the deploy to deliver a new wrapped secret_id to "
                                + settings.secretIdFile()
                                + " (picked up without a restart)",
                        false);
            }
            throw e;
        }
        String token = auth.getAuthClientToken();
        if (token == null || token.isEmpty()) {
            throw new LoginException(
                    "AppRole login answered without a token (HTTP "
                            + auth.getRestResponse().getStatus() + ")",
                    false);
        }
        Duration ttl = Duration.ofSeconds(auth.getAuthLeaseDuration());
        Audit.login("approle", auth.getTokenAccessor(), ttl);
        loggedIn = true;
        Instant now = clock.instant();
        return new Token(token, auth.getTokenAccessor(), now, ttl, now.plus(ttl), auth.isAuthRenewable());
    }

    /**
     * Reads the secret_id file and, when it holds a wrapping token not consumed yet, unwraps and keeps its
     * secret_id now, so the next login uses it (the poll of {@code vault.secret-id-poll-interval}).
     */
    synchronized void refresh() throws LoginException, VaultException {
        secretId();
    }

    /** The remaining lifetime of the kept secret_id, in seconds; +Inf when unlimited, -1 when none is kept. */
    double remainingSeconds() {
        return identity.flatMap(Identity::consumed)
                .map(c -> c.expiresAt() == null
                        ? Double.POSITIVE_INFINITY
                        : Duration.between(clock.instant(), c.expiresAt()).toMillis() / 1000.0)
                .orElse(-1.0);
    }

    /** For health details: which secret_id is in use, until when; or what is wrong with the file. */
    synchronized String status() {
        if (settings.secretIdFormat() == VaultSettings.SecretIdFormat.PLAIN) {
            return "plain secret_id read from " + settings.secretIdFile();
        }
        if (identity.isEmpty()) {
            return "kept in memory only (vault.identity-dir unset)";
        }
        Optional<Identity.Consumed> consumed = identity.get().consumed();
        String status = consumed.map(c -> "secret_id " + Audit.prefix(c.accessor()) + " unwrapped at " + c.consumedAt()
                        + ", " + (c.expiresAt() == null ? "does not expire" : "expires at " + c.expiresAt()))
                .orElse("no secret_id kept yet");
        return refusedFileHash == null
                ? status
                : status + "; SUSPICIOUS: the wrapped secret_id delivered to "
                        + settings.secretIdFile() + " had been unwrapped by someone else; run the deploy again and "
                        + "investigate";
    }

    private String whatWasRefused() {
        return identity.flatMap(Identity::consumed)
                .map(c -> "the secret_id kept in " + identity.get().dir().resolve(Identity.SECRET_ID) + " (accessor "
                        + Audit.prefix(c.accessor()) + (c.expiresAt() == null ? "" : ", expiry " + c.expiresAt())
                        + ")")
                .orElse("the role_id or secret_id");
    }

    private String secretId() throws LoginException, VaultException {
        byte[] raw = bytes(settings.secretIdFile(), "vault.secret-id-file");
        String content = new String(raw, StandardCharsets.UTF_8).trim();
        if (content.isEmpty()) {
            throw new LoginException("vault.secret-id-file " + settings.secretIdFile() + " is empty", false);
        }
        boolean wrapped = switch (settings.secretIdFormat()) {
            case WRAPPED -> true;
            case PLAIN -> false;
            case AUTO -> !UUID.matcher(content).matches();
        };
        if (!wrapped) {
            return content;
        }
        String hash = sha256(raw);
        if (identity.isEmpty()) {
            if (!hash.equals(unwrappedFileHash)) {
                unwrappedSecretId = unwrap(content).secretId();
                unwrappedFileHash = hash;
            }
            return unwrappedSecretId;
        }
        Identity kept = identity.get();
        Optional<Identity.Consumed> consumed = kept.consumed();
        boolean ours = consumed.isPresent() && consumed.get().wrappedSha256().equals(hash);
        if (!ours && !(loggedIn && hash.equals(refusedFileHash) && consumed.isPresent())) {
            Unwrapped fresh;
            try {
                fresh = unwrap(content);
            } catch (LoginException e) {
                refusedFileHash = hash;
                throw e;
            }
            Instant now = clock.instant();
            Identity.Consumed record = new Identity.Consumed(
                    hash, fresh.accessor(), fresh.ttl().isZero() ? null : now.plus(fresh.ttl()), fresh.numUses(), now);
            try {
                kept.save(fresh.secretId(), record);
            } catch (IOException e) {
                throw new LoginException(
                        "the secret_id unwrapped from " + settings.secretIdFile() + " cannot be kept"
                                + " in vault.identity-dir " + kept.dir() + " (" + e.getMessage()
                                + "); its wrapping token is "
                                + "spent: fix the directory and run the deploy",
                        false);
            }
            refusedFileHash = null;
            Audit.kept(kept.dir().toString(), record.accessor(), record.expiresAt());
            return fresh.secretId();
        }
        try {
            return kept.secretId();
        } catch (IOException e) {
            throw new LoginException(
                    "the secret_id kept in vault.identity-dir " + kept.dir() + " cannot be read ("
                            + e.getClass().getSimpleName() + "); run the deploy to deliver a new wrapped secret_id",
                    false);
        }
    }

    private Unwrapped unwrap(String wrappingToken) throws LoginException, VaultException {
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
        JsonObject data = response.getData();
        JsonValue secretId = data == null ? null : data.get("secret_id");
        if (secretId == null || !secretId.isString() || secretId.asString().isEmpty()) {
            String message = "the wrapping token in " + settings.secretIdFile() + " did not wrap a secret_id";
            Audit.suspicious(message);
            throw new LoginException(message, true);
        }
        Audit.unwrapped(settings.secretIdFile().toString());
        return new Unwrapped(
                secretId.asString(),
                data.getString("secret_id_accessor", ""),
                Duration.ofSeconds(data.getLong("secret_id_ttl", 0L)),
                data.getInt("secret_id_num_uses", 0));
    }

    private static String read(Path file, String key) throws LoginException {
        String content = new String(bytes(file, key), StandardCharsets.UTF_8).trim();
        if (content.isEmpty()) {
            throw new LoginException(key + " " + file + " is empty", false);
        }
        return content;
    }

    private static byte[] bytes(Path file, String key) throws LoginException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new LoginException(
                    key + " " + file + " cannot be read: " + e.getClass().getSimpleName(), false);
        }
    }

    /**
     * Hex SHA-256 of the file's bytes exactly as on disk (what {@code sha256sum} prints): identity.json records it
     * as wrapped_sha256.
     */
    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
