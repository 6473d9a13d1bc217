package dev.appliance.inference.observe;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is a plain token, else the trace id of
 * a W3C {@code traceparent}, else a new random one. The id goes back in the response's {@code X-Request-Id}
 * and into the logging context while the request runs, so every line logged while serving it carries it
 * (with the model and version once the request names them, see {@link #model}).
 */
public final class RequestIdFilter implements Filter {

    /** Logging-context keys this filter sets and clears, in the order log lines show them. */
    static final List<String> CONTEXT_KEYS = List.of("request_id", "model", "version");

    private static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TRACE = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}.*");
    private static final String ZERO_TRACE = "0".repeat(32);

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String id = request.headers()
                .first(REQUEST_ID)
                .filter(v -> PLAIN_ID.matcher(v).matches())
                .or(() -> traceId(request.headers().first(TRACEPARENT)))
                .orElseGet(() -> UUID.randomUUID().toString());
        response.header(REQUEST_ID, id);
        HelidonMdc.set("request_id", id);
        try {
            chain.proceed();
        } finally {
            clear();
        }
    }

    /**
     * Removes this request's logging context from the current thread, so the next request served on it (an
     * HTTP one here, a gRPC one in the gRPC call wrapper) does not log under it.
     */
    public static void clear() {
        CONTEXT_KEYS.forEach(HelidonMdc::remove);
    }

    /** Adds the model (and version) a request turned out to be about to its log lines. */
    public static void model(String model, String version) {
        HelidonMdc.set("model", model);
        if (version != null) {
            HelidonMdc.set("version", version);
        }
    }

    private static Optional<String> traceId(Optional<String> traceparent) {
        return traceparent
                .map(TRACE::matcher)
                .filter(m -> m.matches())
                .map(m -> m.group(1))
                .filter(trace -> !trace.equals(ZERO_TRACE));
    }
}
