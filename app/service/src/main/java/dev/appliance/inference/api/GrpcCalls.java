package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.appliance.inference.observe.RequestIdFilter;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Locale;
import java.util.Map;

/**
 * Runs gRPC calls with the HTTP API's error policy and request metrics: the same exceptions become the same
 * error, whose HTTP status maps to a gRPC status code ({@code x-error-code} in the trailers carries the
 * API's error code). Request metadata {@code x-model-version}, {@code x-model-label} and
 * {@code x-entity-id} pin or steer like the HTTP headers; answers carry {@code x-model-version} and
 * {@code x-cache} in their headers.
 */
final class GrpcCalls implements ServerInterceptor {

    /** One gRPC operation: its answer, or a failure the error policy maps. */
    @FunctionalInterface
    interface Call<T> {
        T run(Endpoints.Tags tags, Metadata replyHeaders) throws RequestFailure;
    }

    private static final Context.Key<Metadata> REQUEST = Context.key("request-metadata");
    private static final Context.Key<Metadata> REPLY = Context.key("reply-metadata");
    private static final Metadata.Key<String> ERROR_CODE = ascii("x-error-code");
    /** gRPC's server pushback (gRFC A6): how long a retrying client waits, for overloaded answers. */
    private static final Metadata.Key<String> PUSHBACK = ascii("grpc-retry-pushback-ms");

    private final Endpoints endpoints;

    GrpcCalls(Endpoints endpoints) {
        this.endpoints = endpoints;
    }

    static Metadata.Key<String> ascii(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    ServerServiceDefinition intercept(BindableService service) {
        return ServerInterceptors.intercept(service, this);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Metadata reply = new Metadata();
        ServerCall<Q, R> withHeaders = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata outgoing) {
                outgoing.merge(reply);
                super.sendHeaders(outgoing);
            }
        };
        Context context = Context.current().withValue(REQUEST, headers).withValue(REPLY, reply);
        return Contexts.interceptCall(context, withHeaders, headers, next);
    }

    /** A request metadata value of the current call, or null. */
    static String header(String name) {
        Metadata headers = REQUEST.get();
        return headers == null ? null : headers.get(ascii(name));
    }

    /** Puts the answer's facts (version, cache outcome) into the reply metadata, in lower case. */
    static void facts(Metadata reply, Map<String, String> facts) {
        facts.forEach((name, value) -> reply.put(ascii(name.toLowerCase(Locale.ROOT)), value));
    }

    /** An answer of the HTTP API in JSON, parsed into the protocol's message; fields it lacks are dropped. */
    static <M extends Message> M parse(JsonNode json, Message.Builder builder) {
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(json.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "the API's own JSON does not fit "
                            + builder.getDescriptorForType().getFullName(),
                    e);
        }
        @SuppressWarnings("unchecked")
        M message = (M) builder.build();
        return message;
    }

    /** The pin and entity id the request metadata names. */
    static Models.Pin pin() {
        return new Models.Pin(
                header(Models.Pin.VERSION_HEADER.toLowerCase(Locale.ROOT)),
                header(Models.Pin.LABEL_HEADER.toLowerCase(Locale.ROOT)),
                header(Models.Pin.ENTITY_HEADER.toLowerCase(Locale.ROOT)));
    }

    /** Answers one unary call through the error policy and records it under {@code route}. */
    <T> void unary(String route, StreamObserver<T> observer, Call<T> call) {
        try {
            answer(route, observer, call);
        } finally {
            // The call's model and version went into the logging context; gRPC's threads serve other calls.
            RequestIdFilter.clear();
        }
    }

    private <T> void answer(String route, StreamObserver<T> observer, Call<T> call) {
        long start = System.nanoTime();
        Endpoints.Tags tags = new Endpoints.Tags();
        Metadata reply = REPLY.get() == null ? new Metadata() : REPLY.get();
        T answer;
        try {
            answer = call.run(tags, reply);
        } catch (RequestFailure e) {
            fail(route, observer, tags, start, Endpoints.failure(e));
            return;
        } catch (RuntimeException e) {
            fail(route, observer, tags, start, Endpoints.unexpected("gRPC " + route, e));
            return;
        }
        observer.onNext(answer);
        observer.onCompleted();
        endpoints.record(route, tags, 200, start);
    }

    private <T> void fail(String route, StreamObserver<T> observer, Endpoints.Tags tags, long start, Reply error) {
        Metadata trailers = new Metadata();
        trailers.put(ERROR_CODE, error.body().path("code").asText());
        String retryAfter = error.headers().get(Endpoints.RETRY_AFTER);
        if (retryAfter != null) {
            trailers.put(PUSHBACK, Long.toString(Long.parseLong(retryAfter) * 1000));
        }
        observer.onError(status(error.status())
                .withDescription(error.body().path("error").asText())
                .asRuntimeException(trailers));
        endpoints.record(route, tags, error.status(), start);
    }

    /** The gRPC status for an HTTP status of the API (an overloaded 503 is UNAVAILABLE, which clients retry). */
    static Status status(int http) {
        return switch (http) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 405, 501 -> Status.UNIMPLEMENTED;
            case 409 -> Status.ALREADY_EXISTS;
            case 413, 429 -> Status.RESOURCE_EXHAUSTED;
            case 422 -> Status.FAILED_PRECONDITION;
            case 503 -> Status.UNAVAILABLE;
            case 504 -> Status.DEADLINE_EXCEEDED;
            default -> Status.INTERNAL;
        };
    }
}
