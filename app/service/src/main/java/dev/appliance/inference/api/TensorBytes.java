package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Raw tensor bytes as the Open Inference Protocol lays them out (binary tensor data over HTTP, raw contents
 * over gRPC): little-endian, row-major; BYTES elements are each a 4-byte little-endian length and the bytes.
 */
final class TensorBytes {

    private TensorBytes() {}

    /**
     * Decodes one tensor's raw bytes into JSON values, so they are checked exactly like JSON {@code data}.
     *
     * @param tensor names the tensor in error messages, e.g. {@code inputs[0] 'features'}
     */
    static ArrayNode decode(OipDatatype datatype, byte[] bytes, String tensor) throws ApiException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        ArrayNode values = Json.MAPPER.createArrayNode();
        if (datatype == OipDatatype.BYTES) {
            while (in.remaining() >= 4) {
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw ApiException.badRequest(
                            tensor + ": a BYTES element claims " + length + " bytes but " + in.remaining() + " remain");
                }
                byte[] element = new byte[length];
                in.get(element);
                values.add(new String(element, StandardCharsets.UTF_8));
            }
            if (in.hasRemaining()) {
                throw ApiException.badRequest(
                        tensor + ": " + in.remaining() + " stray bytes after the last BYTES element");
            }
            return values;
        }
        int size = elementSize(datatype);
        if (bytes.length % size != 0) {
            throw ApiException.badRequest(tensor + ": " + bytes.length + " bytes is not a whole number of " + datatype
                    + " elements (" + size + " bytes each)");
        }
        while (in.hasRemaining()) {
            switch (datatype) {
                case FP32 -> values.add(in.getFloat());
                case FP64 -> values.add(in.getDouble());
                case INT8 -> values.add(in.get());
                case INT16 -> values.add(in.getShort());
                case INT32 -> values.add(in.getInt());
                case INT64 -> values.add(in.getLong());
                case UINT8 -> values.add(Byte.toUnsignedInt(in.get()));
                case UINT16 -> values.add(Short.toUnsignedInt(in.getShort()));
                case UINT32 -> values.add(Integer.toUnsignedLong(in.getInt()));
                case UINT64 -> values.add(new java.math.BigInteger(Long.toUnsignedString(in.getLong())));
                case BYTES -> throw new IllegalStateException("BYTES elements are read above");
            }
        }
        return values;
    }

    /** The model output as FP32 raw bytes, row-major. */
    static byte[] fp32(float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer out = ByteBuffer.allocate(rows.length * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                out.putFloat(v);
            }
        }
        return out.array();
    }

    /** Bytes per element of a fixed-size datatype. */
    private static int elementSize(OipDatatype datatype) {
        return switch (datatype) {
            case INT8, UINT8 -> 1;
            case INT16, UINT16 -> 2;
            case FP32, INT32, UINT32 -> 4;
            case FP64, INT64, UINT64 -> 8;
            case BYTES -> throw new IllegalArgumentException("BYTES elements have no fixed size");
        };
    }
}
