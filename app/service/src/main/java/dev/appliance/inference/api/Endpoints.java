package dev.appliance.inference.api;

import java.util.logging.Level;
import java.util.logging.Logger;

import dev.appliance.inference.features.EnrichmentException;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelUnavailableException;
import dev.appliance.inference.observe.RequestIdFilter;
import dev.appliance.inference.observe.ServiceMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Turns API endpoints into Helidon handlers with one error policy and one set of request metrics:
 * caller mistakes become 4xx with a JSON body, dependency trouble 503 with the reason, anything else a
 * logged 500 that never shows a stack trace to the caller.
 */
final class Endpoints {

    private static final Logger LOG = Logger.getLogger(Endpoints.class.getName());

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
        Reply handle(ServerRequest request, Tags tags) throws Exception;
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
            metrics.request(route, tags.model, tags.version, reply.status(),
                    java.time.Duration.ofNanos(System.nanoTime() - start));
        };
    }

    private static Reply reply(String route, Endpoint endpoint, ServerRequest request, Tags tags) {
        try {
            return endpoint.handle(request, tags);
        } catch (Exception e) {
            return failure(route + " " + request.path().absolute().path(), e);
        }
    }

    /** The error reply for a failed call; {@code where} names the call in the log of an unexpected failure. */
    static Reply failure(String where, Exception failure) {
        try {
            throw failure;
        } catch (ApiException e) {
            Reply reply = Reply.error(e.status(), e.code(), e.getMessage());
            if (e.status() == 401) {
                reply = reply.withHeader("WWW-Authenticate", "Bearer");
            }
            return e.allow() == null ? reply : reply.withHeader("Allow", e.allow());
        } catch (ModelNotFoundException e) {
            return Reply.error(404, "not_found", e.getMessage());
        } catch (ModelUnavailableException | FeatureStoreUnavailableException e) {
            return Reply.error(503, "unavailable", e.getMessage());
        } catch (EnrichmentException e) {
            return Reply.error(422, "feature_unavailable", e.getMessage());
        } catch (Exception e) {
            LOG.log(Level.SEVERE, "unexpected failure on " + where, e);
            return Reply.error(500, "internal", "internal error; the service log has the details");
        }
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
        send(response, Reply.error(405, "method_not_allowed", used.text() + " is not allowed here; use "
                + allowed.text()).withHeader("Allow", allowed.text()));
    }

    /** Records one answered call that did not come through an HTTP handler (gRPC). */
    void record(String route, Tags tags, int status, long startNanos) {
        metrics.request(route, tags.model, tags.version, status, java.time.Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
