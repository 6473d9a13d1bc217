package dev.appliance.inference.api;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of model control, the repository extension's load and unload, read from the {@code model-control}
 * config subtree. Off by default; when enabled, every call needs the admin token, which is read once at
 * start from {@code token-file} (owned by the service, mode 0600 or 0400: a file group or others may read
 * stops startup, as does an unset or short token).
 *
 * @param enabled whether load and unload are offered
 * @param token   the admin token when enabled
 */
public record ModelControlSettings(boolean enabled, Optional<BearerToken> token) {

    /** Shortest admin token accepted. */
    static final int MIN_TOKEN_LENGTH = 24;

    /** Permissions the token file must not have. */
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE);

    /** Model control off. */
    public static final ModelControlSettings DISABLED = new ModelControlSettings(false, Optional.empty());

    /** Builds and validates the settings; the exception message names the bad key. */
    public static ModelControlSettings from(Config node) {
        Config enabled = node.get("enabled");
        String flag = enabled.asString().orElse("false").trim();
        if (!flag.equals("true") && !flag.equals("false")) {
            throw Settings.invalid(enabled, "must be true or false", flag);
        }
        if (flag.equals("false")) {
            return DISABLED;
        }
        Config fileNode = node.get("token-file");
        Path file = Path.of(Settings.optionalString(fileNode)
                .orElseThrow(() -> Settings.invalid(fileNode, "is required when model-control.enabled is true", "")));
        return new ModelControlSettings(true, Optional.of(read(fileNode, file)));
    }

    private static BearerToken read(Config node, Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw Settings.invalid(node, "must name a readable file", file);
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw Settings.invalid(
                        node,
                        "must not be readable or writable by group or others (chmod 600)",
                        file + " " + PosixFilePermissions.toString(permissions));
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw Settings.invalid(node, "must hold a token of at least " + MIN_TOKEN_LENGTH + " characters", file);
            }
            return new BearerToken(token);
        } catch (IOException e) {
            throw Settings.invalid(node, "must name a readable file (" + e.getMessage() + ")", file);
        }
    }
}
