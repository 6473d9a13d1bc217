package dev.appliance.inference.api;

import dev.appliance.inference.observe.RequestIdFilter;
import dev.appliance.inference.observe.ServiceMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns API endpoints into Helidon handlers with one error policy and one set of request metrics:
 * caller mistakes become 4xx with a JSON body, dependency trouble 503 with the reason, overload 503 with
 * {@code Retry-After}, a passed deadline 504, and a bug a logged 500 that never shows a stack trace.
 */
final class Endpoints {

    private static final Logger LOG = Logger.getLogger(Endpoints.class.getName());
    /** Response header of an overloaded answer: whole seconds after which a retry is worth trying. */
    static final String RETRY_AFTER = "Retry-After";

    /** The model and version a request turned out to be about, for metric tags. */
    static final class Tags {
        private String model = "none";
        private String version = "none";

        void model(String model) {
            this.model = model;
            RequestIdFilter.model(model, null);
        }

        void version(long version) {
            this.version = Long.toString(version);
            RequestIdFilter.model(model, this.version);
        }
    }

    /** An API operation. */
    @FunctionalInterface
    interface Endpoint {
        Reply handle(ServerRequest request, Tags tags) throws RequestFailure;
    }

    private final ServiceMetrics metrics;

    Endpoints(ServiceMetrics metrics) {
        this.metrics = metrics;
    }

    Handler handler(String route, Endpoint endpoint) {
        return (request, response) -> {
            long start = System.nanoTime();
            Tags tags = new Tags();
            Reply reply = reply(route, endpoint, request, tags);
            send(response, reply);
            metrics.request(
                    route,
                    tags.model,
                    tags.version,
                    reply.status(),
                    java.time.Duration.ofNanos(System.nanoTime() - start));
        };
    }

    private static Reply reply(String route, Endpoint endpoint, ServerRequest request, Tags tags) {
        try {
            return endpoint.handle(request, tags);
        } catch (RequestFailure e) {
            return failure(e);
        } catch (RuntimeException e) {
            return unexpected(route + " " + request.path().absolute().path(), e);
        }
    }

    /** The answer to a failed request: the one mapping of every failure kind, for HTTP and gRPC alike. */
    static Reply failure(RequestFailure failure) {
        return switch (failure) {
            case ApiException e -> {
                Reply reply = Reply.error(e.status(), e.code(), e.getMessage());
                if (e.status() == 401) {
                    reply = reply.withHeader("WWW-Authenticate", "Bearer");
                }
                yield e.allow() == null ? reply : reply.withHeader("Allow", e.allow());
            }
            case RequestFailure.Unavailable e -> Reply.error(503, "unavailable", e.getMessage());
            case RequestFailure.FeatureMissing e -> Reply.error(422, "feature_unavailable", e.getMessage());
            case RequestFailure.Overloaded e ->
                Reply.error(503, "overloaded", e.getMessage())
                        .withHeader(RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            case RequestFailure.DeadlineExceeded e -> Reply.error(504, "deadline_exceeded", e.getMessage());
        };
    }

    /** The answer to a bug: logged with {@code where} and the stack trace, which the caller never sees. */
    static Reply unexpected(String where, RuntimeException failure) {
        LOG.log(Level.SEVERE, "unexpected failure on " + where, failure);
        return Reply.error(500, "internal", "internal error; the service log has the details");
    }

    private static void send(ServerResponse response, Reply reply) {
        response.status(Status.create(reply.status()));
        reply.headers().forEach(response::header);
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(reply.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("reply cannot be serialised", e);
        }
        if (reply.binary() == null) {
            response.header(HeaderNames.CONTENT_TYPE, "application/json");
            response.send(json);
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
        response.header(BinaryTensors.HEADER, Integer.toString(json.length));
        byte[] all = java.util.Arrays.copyOf(json, json.length + reply.binary().length);
        System.arraycopy(reply.binary(), 0, all, json.length, reply.binary().length);
        response.send(all);
    }

    /** Answers a 405 with {@code Allow} for a route that is not an API endpoint (OpenAPI, observability). */
    static void methodNotAllowed(ServerResponse response, io.helidon.http.Method used, io.helidon.http.Method allowed) {
        send(
                response,
                Reply.error(405, "method_not_allowed", used.text() + " is not allowed here; use " + allowed.text())
                        .withHeader("Allow", allowed.text()));
    }

    /** Records one answered call that did not come through an HTTP handler (gRPC). */
    void record(String route, Tags tags, int status, long startNanos) {
        metrics.request(
                route, tags.model, tags.version, status, java.time.Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
