package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Context;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How long a caller is willing to wait, as each transport says it: the {@code Request-Timeout} header in
 * seconds (decimals allowed), the Open Inference Protocol's {@code timeout} request parameter in microseconds
 * (as Triton reads it), or the gRPC deadline. A caller that says nothing gets {@code requests.default-timeout}.
 */
final class RequestTimeout {

    /** Request header: seconds the caller waits for the answer, e.g. {@code 0.25}. */
    static final String HEADER = "Request-Timeout";
    /** The longest timeout a caller may ask for. */
    static final Duration MAX = Duration.ofHours(1);

    private static final HeaderName HEADER_NAME = HeaderNames.create(HEADER);

    private RequestTimeout() {}

    /** The header's timeout, or null without the header. */
    static Duration header(ServerRequest request) throws ApiException {
        String value = request.headers().first(HEADER_NAME).orElse(null);
        if (value == null) {
            return null;
        }
        BigDecimal seconds;
        try {
            seconds = new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(HEADER + " must be a number of seconds (e.g. 0.5), got '" + value + "'");
        }
        if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(MAX.toSeconds())) > 0) {
            throw ApiException.badRequest(
                    HEADER + " must be more than 0 and at most " + MAX.toSeconds() + " seconds, got '" + value + "'");
        }
        return Duration.ofNanos(seconds.movePointRight(9).longValue());
    }

    /** The OIP request's {@code parameters.timeout} in microseconds, or null without one. */
    static Duration oipParameter(JsonNode body) throws ApiException {
        JsonNode timeout = body.path("parameters").path("timeout");
        if (timeout.isMissingNode() || timeout.isNull()) {
            return null;
        }
        if (!timeout.canConvertToExactIntegral() || timeout.asLong() <= 0 || timeout.asLong() > MAX.toNanos() / 1000) {
            throw ApiException.badRequest("parameters.timeout must be a whole number of microseconds, more than 0"
                    + " and at most " + MAX.toNanos() / 1000 + ", got " + timeout);
        }
        return Duration.ofNanos(timeout.asLong() * 1000);
    }

    /** The current gRPC call's remaining deadline, or null when the client set none. */
    static Duration grpc() {
        io.grpc.Deadline deadline = Context.current().getDeadline();
        return deadline == null ? null : Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    /** The first timeout that is given. */
    static Duration first(Duration a, Duration b) {
        return a != null ? a : b;
    }
}
