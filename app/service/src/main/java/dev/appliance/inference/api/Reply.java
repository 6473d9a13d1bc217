package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an endpoint answers: HTTP status, JSON body and extra headers.
 *
 * @param status  HTTP status
 * @param body    JSON body
 * @param headers extra response headers
 * @param binary  raw tensor bytes sent after the JSON body (binary tensor data extension), or null
 */
record Reply(int status, JsonNode body, Map<String, String> headers, byte[] binary) {

    static Reply ok(JsonNode body) {
        return new Reply(200, body, Map.of(), null);
    }

    static Reply of(int status, JsonNode body) {
        return new Reply(status, body, Map.of(), null);
    }

    static Reply error(int status, String code, String message) {
        return new Reply(
                status, Json.MAPPER.createObjectNode().put("error", message).put("code", code), Map.of(), null);
    }

    Reply withHeader(String name, String value) {
        return withHeaders(Map.of(name, value));
    }

    Reply withHeaders(Map<String, String> more) {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.putAll(more);
        return new Reply(status, body, Map.copyOf(all), binary);
    }

    /** This reply with raw tensor bytes after its JSON header. */
    Reply withBinary(byte[] tail) {
        return new Reply(status, body, headers, tail);
    }
}
