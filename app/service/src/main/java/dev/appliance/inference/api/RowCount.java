package dev.appliance.inference.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Counts a predict or infer body's rows with Jackson's streaming parser, before the body becomes a JSON
 * tree, so a request with too many rows is refused without building one. It reads the rows where both
 * dialects put them: TF Serving's {@code instances}, {@code inputs} as rows or as columns, and each OIP
 * input's {@code shape[0]}. It stops at the first count over the limit and at the end of the JSON object
 * (binary tensors may follow it); a body it cannot read is left to the full parse, which says what is wrong.
 */
final class RowCount {

    private RowCount() {}

    /** Refuses with 400 when the body carries more than {@code maxRows} rows. */
    static void refuseOver(byte[] body, int maxRows) throws ApiException {
        String over;
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            over = overLimit(parser, maxRows);
        } catch (IOException e) {
            return;
        }
        if (over != null) {
            throw ApiException.badRequest(
                    over + " holds more than " + maxRows + " rows; at most " + maxRows + " per request");
        }
    }

    /** The path of the first row array over the limit, or null. */
    private static String overLimit(JsonParser parser, int maxRows) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            String over = null;
            if (field.equals("instances") && value == JsonToken.START_ARRAY) {
                over = elements(parser, maxRows, "instances", false);
            } else if (field.equals("inputs") && value == JsonToken.START_ARRAY) {
                over = elements(parser, maxRows, "inputs", true);
            } else if (field.equals("inputs") && value == JsonToken.START_OBJECT) {
                over = columns(parser, maxRows);
            } else {
                parser.skipChildren();
            }
            if (over != null) {
                return over;
            }
        }
        return null;
    }

    /**
     * Counts an array's elements as rows; with {@code tensors}, an object element is an OIP tensor whose
     * {@code shape[0]} is its row count, and only array elements count as rows.
     */
    private static String elements(JsonParser parser, int maxRows, String path, boolean tensors) throws IOException {
        int rows = 0;
        for (int k = 0; parser.nextToken() != JsonToken.END_ARRAY; k++) {
            if (tensors && parser.currentToken() == JsonToken.START_OBJECT) {
                if (tensorOver(parser, maxRows)) {
                    return path + "[" + k + "].shape[0]";
                }
                continue;
            }
            JsonToken start = parser.currentToken();
            parser.skipChildren();
            if (!tensors || start == JsonToken.START_ARRAY) {
                rows++;
            }
            if (rows > maxRows) {
                return path;
            }
        }
        return null;
    }

    /** TF Serving's columnar {@code inputs}: each named array holds one value per row. */
    private static String columns(JsonParser parser, int maxRows) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (parser.nextToken() == JsonToken.START_ARRAY) {
                String over = elements(parser, maxRows, "inputs." + name, false);
                if (over != null) {
                    return over;
                }
            } else {
                parser.skipChildren();
            }
        }
        return null;
    }

    /**
     * Whether an OIP tensor object's {@code shape[0]} is over the limit; stops there, else reads to the end of
     * the object.
     */
    private static boolean tensorOver(JsonParser parser, int maxRows) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals("shape") && value == JsonToken.START_ARRAY) {
                JsonToken dimension = parser.nextToken();
                if (dimension == JsonToken.VALUE_NUMBER_INT && parser.getLongValue() > maxRows) {
                    return true;
                }
                while (dimension != JsonToken.END_ARRAY) {
                    parser.skipChildren();
                    dimension = parser.nextToken();
                }
            } else {
                parser.skipChildren();
            }
        }
        return false;
    }
}
