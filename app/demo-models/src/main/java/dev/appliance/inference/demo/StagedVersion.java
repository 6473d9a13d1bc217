package dev.appliance.inference.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Publishes a version folder so that a server scanning the repository never sees half of it: the
 * content is written into a hidden staging folder beside the target ({@code .<name>.staging-*}, same
 * file system), then renamed into place. An existing target is first renamed aside and deleted after, so
 * for an instant the version is absent, never partial (Java cannot exchange two folders atomically).
 */
final class StagedVersion {

    /** Fills a staging folder. */
    @FunctionalInterface
    interface Filler {
        void fill(Path staging) throws IOException;
    }

    private StagedVersion() {}

    static void publish(Path target, Filler filler) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        String name = absolute.getFileName().toString();
        Path staging = Files.createTempDirectory(parent, "." + name + ".staging-");
        try {
            // createTempDirectory makes it 0700; a server running as another user must be able to read it.
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            filler.fill(staging);
            Path old = null;
            if (Files.exists(absolute)) {
                old = parent.resolve("." + name + ".old-" + System.nanoTime());
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                deleteRecursively(old);
            }
        } finally {
            deleteRecursively(staging);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
