package dev.appliance.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of failure answers with its own status and code, over HTTP and gRPC alike. */
class RequestFailureTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(ApiException.badRequest("bad"), 400, "invalid_input", null, "INVALID_ARGUMENT"),
                Arguments.of(ApiException.notFound("none"), 404, "not_found", null, "NOT_FOUND"),
                Arguments.of(new RequestFailure.Unavailable("down", null), 503, "unavailable", null, "UNAVAILABLE"),
                Arguments.of(
                        new RequestFailure.FeatureMissing("stale"),
                        422,
                        "feature_unavailable",
                        null,
                        "FAILED_PRECONDITION"),
                Arguments.of(
                        new RequestFailure.Overloaded("full", Duration.ofMillis(1500)),
                        503,
                        "overloaded",
                        "2",
                        "UNAVAILABLE"),
                Arguments.of(
                        new RequestFailure.DeadlineExceeded("late"),
                        504,
                        "deadline_exceeded",
                        null,
                        "DEADLINE_EXCEEDED"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("failures")
    void answersEachKindWithItsStatusCodeAndGrpcStatus(
            RequestFailure failure, int status, String code, String retryAfter, String grpc) {
        Reply reply = Endpoints.failure(failure);
        assertEquals(status, reply.status());
        assertEquals(code, reply.body().path("code").asText());
        assertEquals(failure.getMessage(), reply.body().path("error").asText());
        assertEquals(retryAfter, reply.headers().get("Retry-After"));
        assertEquals(grpc, GrpcCalls.status(reply.status()).getCode().name());
    }
}
