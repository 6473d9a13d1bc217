package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inference tester and status page: {@code /} and its files under {@code /ui/}, read from the JAR (no
 * CDN, works offline), plus {@code /ui/catalog}, the one thing the page needs that the TF Serving and OIP
 * routes do not tell: every model with its labels, its versions (refused ones with the reason) and, per
 * loaded version, its features and the entity it looks features up for.
 */
final class PageService implements HttpService {

    private static final String FOLDER = "/ui/";
    private static final Pattern FILE = Pattern.compile("[a-z0-9-]+\\.(html|js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");
    // Everything the page loads comes from this origin; scripts are modules, styles are files.
    private static final HeaderName CSP = HeaderNames.create("Content-Security-Policy");
    private static final String POLICY = "default-src 'self'; img-src 'self' data:; base-uri 'none';"
            + " form-action 'none'; frame-ancestors 'none'";

    private final ModelRegistry registry;
    private final Endpoints endpoints;

    PageService(ModelRegistry registry, Endpoints endpoints) {
        this.registry = registry;
        this.endpoints = endpoints;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> sendFile(res, "index.html"))
                .get("/ui/catalog", endpoints.handler("ui_catalog", (req, tags) -> Reply.ok(catalog())))
                .get("/ui/{file}", this::file);
    }

    private void file(ServerRequest request, ServerResponse response) {
        sendFile(response, request.path().pathParameters().get("file"));
    }

    private static void sendFile(ServerResponse response, String name) {
        Matcher m = FILE.matcher(name);
        Optional<byte[]> content = m.matches() ? read(name) : Optional.empty();
        response.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        if (content.isEmpty()) {
            response.status(Status.NOT_FOUND_404)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send(Json.MAPPER
                            .createObjectNode()
                            .put("error", "the page has no file '" + name + "'")
                            .put("code", "not_found")
                            .toString());
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, TYPES.get(m.group(1)))
                // Revalidate every time, so a new JAR's page is used at once.
                .header(HeaderNames.CACHE_CONTROL, "no-cache")
                .header(CSP, POLICY)
                .send(content.get());
    }

    private static Optional<byte[]> read(String name) {
        try (InputStream in = PageService.class.getResourceAsStream(FOLDER + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode catalog() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode list = body.putArray("models");
        Map<String, ModelState> models = registry.models();
        TreeSet<String> names = new TreeSet<>(models.keySet());
        names.addAll(registry.required());
        for (String name : names) {
            ObjectNode model = list.addObject().put("name", name);
            ModelState state = models.get(name);
            ServedVersion latest = state == null ? null : state.latest();
            if (latest == null) {
                model.putNull("latest");
            } else {
                model.put("latest", latest.version());
            }
            ObjectNode labels = model.putObject("labels");
            ArrayNode versions = model.putArray("versions");
            if (state == null) {
                continue;
            }
            new TreeMap<>(state.labels()).forEach(labels::put);
            TreeMap<Long, ObjectNode> byNumber = new TreeMap<>();
            state.loaded().forEach((number, version) -> byNumber.put(number, loaded(version.manifest())));
            state.refused()
                    .forEach((number, reason) -> byNumber.put(
                            number,
                            Json.MAPPER
                                    .createObjectNode()
                                    .put("version", number)
                                    .put("state", "REFUSED")
                                    .put("reason", reason)));
            byNumber.values().forEach(versions::add);
        }
        return body;
    }

    private static ObjectNode loaded(Manifest m) {
        ObjectNode version = Json.MAPPER
                .createObjectNode()
                .put("version", m.version())
                .put("state", "AVAILABLE")
                .put("description", m.description());
        ArrayNode features = version.putArray("features");
        m.features().forEach(f -> features.addObject().put("name", f.name()).put("dtype", f.dtype()));
        if (m.entity() != null) {
            ObjectNode entity =
                    version.putObject("entity").put("key", m.entity().key());
            ArrayNode looked = entity.putArray("features");
            for (Manifest.EnrichedFeature f : m.entity().features()) {
                ObjectNode node = looked.addObject().put("name", f.name()).put("source", f.source());
                Optional.ofNullable(f.of()).ifPresent(v -> node.put("of", v));
                Optional.ofNullable(f.last()).ifPresent(v -> node.put("last", v));
                Optional.ofNullable(f.window()).ifPresent(v -> node.put("window", v));
                Optional.ofNullable(f.maxAge()).ifPresent(v -> node.put("max_age", v));
                Optional.ofNullable(f.defaultValue()).ifPresent(v -> node.put("default", v));
            }
        }
        return version;
    }
}
