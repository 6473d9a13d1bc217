package dev.appliance.inference.api;

import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;

/** A request the API answers with a 4xx: the message tells the caller what to fix. */
final class ApiException extends RequestFailure {

    private final int status;
    private final String code;
    private final String allow;

    ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    private ApiException(int status, String code, String message, String allow) {
        super(message, null);
        this.status = status;
        this.code = code;
        this.allow = allow;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_input", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    /** A 405 unless the request uses the expected method. */
    static void requireMethod(ServerRequest request, Method expected) throws ApiException {
        Method method = request.prologue().method();
        if (!method.equals(expected)) {
            throw new ApiException(
                    405,
                    "method_not_allowed",
                    method.text() + " is not allowed here; use " + expected.text(),
                    expected.text());
        }
    }

    /** The methods a 405 names in its {@code Allow} header, or null for other errors. */
    String allow() {
        return allow;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
