package dev.appliance.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.http.ServerRequest;

/** The API's JSON reader and writer. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(32).build());
    }

    private Json() {}

    /** Parses a request body that must be a JSON object; the error says where the JSON broke. */
    static JsonNode readObject(ServerRequest request) throws ApiException {
        return parseObject(body(request));
    }

    /** The request's body bytes; empty when it has none. */
    static byte[] body(ServerRequest request) {
        return request.content().hasEntity() ? request.content().as(byte[].class) : new byte[0];
    }

    /** Parses bytes that must hold a JSON object; the error says where the JSON broke. */
    static JsonNode parseObject(byte[] body) throws ApiException {
        if (body.length == 0) {
            throw ApiException.badRequest("request body is empty; expected a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage()
                    .replaceAll("\\s*\\(start marker at \\[Source.*$", "")
                    .replaceAll("\\s*at \\[Source.*$", "");
            throw ApiException.badRequest("malformed JSON" + where + ": " + what);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("request body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return node;
    }

    /** A short name of a JSON value's type for error messages. */
    static String typeOf(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            case NUMBER -> "a number";
            case BINARY -> "binary";
        };
    }
}
