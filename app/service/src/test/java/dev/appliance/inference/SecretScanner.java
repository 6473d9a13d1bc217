package dev.appliance.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/** Looks for known secrets in log files; a finding names the file and line, and only a prefix of the secret. */
final class SecretScanner {

    private SecretScanner() {}

    /** Every regular file under the folders (those that exist). */
    static List<Path> files(Path... folders) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path folder : folders) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> walk = Files.walk(folder)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
            }
        }
        return files;
    }

    /** "file:line: secret abcd…" for each line of each file that contains one of the secrets. */
    static List<String> findings(List<Path> files, Collection<String> secrets) throws IOException {
        List<String> findings = new ArrayList<>();
        for (Path file : files) {
            // Logs may hold bytes that are not UTF-8 (binary protocol dumps): decode leniently.
            String[] lines = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                for (String secret : secrets) {
                    if (lines[i].contains(secret)) {
                        findings.add(file + ":" + (i + 1) + ": secret " + secret.substring(0, 4) + "…");
                    }
                }
            }
        }
        return findings;
    }
}
