package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * The Open Inference Protocol's binary tensor data extension over HTTP. A request or reply body is a JSON
 * header of {@code Inference-Header-Content-Length} bytes followed by the raw bytes of every tensor whose
 * {@code parameters.binary_data_size} is set, in the order the header lists them.
 */
final class BinaryTensors {

    /** Length of the JSON header in a body that carries binary tensors. */
    static final String HEADER = "Inference-Header-Content-Length";

    private BinaryTensors() {}

    /**
     * Reads an infer body. Without a header length it is plain JSON; with one, each binary input gets its
     * decoded values as {@code data}, so the rest of the service sees one JSON form.
     */
    static JsonNode readRequest(byte[] body, String headerLength) throws ApiException {
        if (headerLength == null) {
            return Json.parseObject(body);
        }
        int length;
        try {
            length = Integer.parseInt(headerLength.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(HEADER + " must be a whole number of bytes, got '" + headerLength + "'");
        }
        if (length < 0 || length > body.length) {
            throw ApiException.badRequest(HEADER + " is " + length + " but the body has " + body.length + " bytes");
        }
        JsonNode request = Json.parseObject(Arrays.copyOf(body, length));
        int offset = length;
        JsonNode inputs = request.path("inputs");
        for (int k = 0; inputs.isArray() && k < inputs.size(); k++) {
            JsonNode input = inputs.get(k);
            JsonNode size = input.path("parameters").path("binary_data_size");
            if (size.isMissingNode()) {
                continue;
            }
            String tensor = "inputs[" + k + "] '" + input.path("name").asText("") + "'";
            if (!size.canConvertToInt() || !size.isIntegralNumber() || size.asInt() < 0) {
                throw ApiException.badRequest(
                        tensor + ": parameters.binary_data_size must be a whole number of bytes, got " + size);
            }
            if (input.has("data")) {
                throw ApiException.badRequest(tensor + ": give either data or parameters.binary_data_size, not both");
            }
            if (size.asInt() > body.length - offset) {
                throw ApiException.badRequest(tensor + ": binary_data_size " + size.asInt() + " runs past the end of"
                        + " the body (" + (body.length - offset) + " bytes left)");
            }
            byte[] raw = Arrays.copyOfRange(body, offset, offset + size.asInt());
            offset += size.asInt();
            ObjectNode parameters = (ObjectNode) input.get("parameters");
            parameters.remove("binary_data_size");
            ((ObjectNode) input)
                    .set(
                            "data",
                            TensorBytes.decode(
                                    OipDatatype.readable(input.path("datatype").asText(""), tensor), raw, tensor));
        }
        if (offset != body.length) {
            throw ApiException.badRequest("the body has " + (body.length - offset) + " bytes after the JSON header and"
                    + " the binary inputs it announces");
        }
        return request;
    }

    /**
     * Whether the named output goes back as binary: its own {@code parameters.binary_data} decides, else the
     * request's {@code parameters.binary_data_output}.
     */
    static boolean binaryOutput(JsonNode request, String output) {
        for (JsonNode requested : request.path("outputs")) {
            JsonNode flag = requested.path("parameters").path("binary_data");
            if (requested.path("name").asText("").equals(output) && flag.isBoolean()) {
                return flag.asBoolean();
            }
        }
        return request.path("parameters").path("binary_data_output").asBoolean(false);
    }
}
