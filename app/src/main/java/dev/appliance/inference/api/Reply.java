package dev.appliance.inference.api;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What an endpoint answers: HTTP status, JSON body and extra headers.
 *
 * @param status  HTTP status
 * @param body    JSON body
 * @param headers extra response headers
 */
record Reply(int status, JsonNode body, Map<String, String> headers) {

    static Reply ok(JsonNode body) {
        return new Reply(200, body, Map.of());
    }

    static Reply of(int status, JsonNode body) {
        return new Reply(status, body, Map.of());
    }

    static Reply error(int status, String code, String message) {
        return new Reply(status, Json.MAPPER.createObjectNode().put("error", message).put("code", code), Map.of());
    }

    Reply withHeader(String name, String value) {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put(name, value);
        return new Reply(status, body, Map.copyOf(all));
    }
}
