package dev.appliance.inference.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.config.ConfigurationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The AppRole identity the service keeps across restarts, in {@code vault.identity-dir} (a directory systemd
 * makes for the unit, 0700, the service user's): {@code secret-id}, the secret_id it unwrapped, and
 * {@code identity.json}, what it knows about it: {@code wrapped_sha256} (the SHA-256 of the secret_id file's
 * content it came from, in hex), {@code secret_id_accessor}, {@code secret_id_expires_at} (ISO-8601, null when it
 * does not expire), {@code secret_id_num_uses} (0: unlimited) and {@code consumed_at}. Both files are 0600 and
 * replaced atomically, {@code secret-id} first: once {@code identity.json} names a wrapped token, its secret_id is
 * on disk (the deploy waits for that before it destroys the older secret_ids).
 */
final class Identity {

    static final String SECRET_ID = "secret-id";
    static final String RECORD = "identity.json";

    private static final Logger LOG = Logger.getLogger(Identity.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    /**
     * What the service recorded about the secret_id it unwrapped.
     *
     * @param wrappedSha256 hex SHA-256 of the secret_id file's content (the wrapping token) it came from
     * @param accessor      the secret_id's accessor: the deploy destroys older secret_ids by accessor
     * @param expiresAt     when the secret_id stops working; null when it does not expire
     * @param numUses       logins it allows; 0: unlimited
     * @param consumedAt    when the service unwrapped it
     */
    record Consumed(String wrappedSha256, String accessor, Instant expiresAt, int numUses, Instant consumedAt) {}

    private final Path dir;
    private volatile Consumed consumed;

    private Identity(Path dir, Consumed consumed) {
        this.dir = dir;
        this.consumed = consumed;
    }

    /**
     * Opens the directory and reads what it holds.
     *
     * @throws ConfigurationException naming {@code vault.identity-dir} when it is not a directory only its owner
     *                                can use
     */
    static Identity open(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigurationException("vault.identity-dir " + dir + " must be an existing directory (systemd's"
                    + " StateDirectory=, mode 0700, owned by the service user)");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (mode.stream().anyMatch(OTHERS::contains)) {
                throw new ConfigurationException("vault.identity-dir " + dir + " must not be accessible to group or "
                        + "others (mode 0700), got " + PosixFilePermissions.toString(mode));
            }
        } catch (IOException e) {
            throw new ConfigurationException("vault.identity-dir " + dir + " cannot be read: " + e.getMessage(), e);
        }
        return new Identity(dir, read(dir.resolve(RECORD)));
    }

    Path dir() {
        return dir;
    }

    /** What was recorded about the secret_id on disk, if any. */
    Optional<Consumed> consumed() {
        return Optional.ofNullable(consumed);
    }

    /** The secret_id on disk. */
    String secretId() throws IOException {
        String secretId =
                Files.readString(dir.resolve(SECRET_ID), StandardCharsets.UTF_8).trim();
        if (secretId.isEmpty()) {
            throw new IOException(dir.resolve(SECRET_ID) + " is empty");
        }
        return secretId;
    }

    /** Keeps {@code secretId} and then its record, each replaced atomically and synced to disk. */
    synchronized void save(String secretId, Consumed record) throws IOException {
        ObjectNode json = JSON.createObjectNode()
                .put("wrapped_sha256", record.wrappedSha256())
                .put("secret_id_accessor", record.accessor())
                .put(
                        "secret_id_expires_at",
                        record.expiresAt() == null ? null : record.expiresAt().toString())
                .put("secret_id_num_uses", record.numUses())
                .put("consumed_at", record.consumedAt().toString());
        replace(SECRET_ID, secretId.getBytes(StandardCharsets.UTF_8));
        replace(RECORD, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
        consumed = record;
    }

    private void replace(String name, byte[] content) throws IOException {
        Path target = dir.resolve(name);
        Path temporary = dir.resolve("." + name + ".new");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private static Consumed read(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            String expires = json.path("secret_id_expires_at").isTextual()
                    ? json.path("secret_id_expires_at").asText()
                    : null;
            String hash = json.path("wrapped_sha256").asText("");
            if (hash.isEmpty()) {
                throw new IOException("no wrapped_sha256");
            }
            return new Consumed(
                    hash,
                    json.path("secret_id_accessor").asText(""),
                    expires == null ? null : Instant.parse(expires),
                    json.path("secret_id_num_uses").asInt(0),
                    Instant.parse(json.path("consumed_at").asText()));
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> file + " cannot be read (" + e.getClass().getSimpleName() + "); ignoring it: the "
                    + "secret_id file's wrapped token will be unwrapped again");
            return null;
        }
    }
}
