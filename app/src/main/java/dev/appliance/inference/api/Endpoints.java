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
        } catch (ApiException e) {
            return Reply.error(e.status(), e.code(), e.getMessage());
        } catch (ModelNotFoundException e) {
            return Reply.error(404, "not_found", e.getMessage());
        } catch (ModelUnavailableException | FeatureStoreUnavailableException e) {
            return Reply.error(503, "unavailable", e.getMessage());
        } catch (EnrichmentException e) {
            return Reply.error(422, "feature_unavailable", e.getMessage());
        } catch (Exception e) {
            LOG.log(Level.SEVERE, "unexpected failure on " + route + " " + request.path().absolute().path(), e);
            return Reply.error(500, "internal", "internal error; the service log has the details");
        }
    }

    private static void send(ServerResponse response, Reply reply) {
        response.status(Status.create(reply.status()));
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        reply.headers().forEach(response::header);
        try {
            response.send(Json.MAPPER.writeValueAsBytes(reply.body()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("reply cannot be serialised", e);
        }
    }
}
