package dev.appliance.inference.api;

import dev.appliance.inference.model.Dtype;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Open Inference Protocol datatypes this service reads (HTTP JSON and binary data, gRPC contents and raw
 * contents) and writes (metadata and replies). FP16, BF16 and BOOL have no model feature to go to, so a tensor
 * naming one is refused like any unknown name.
 */
enum OipDatatype {
    FP32,
    FP64,
    INT8,
    INT16,
    INT32,
    INT64,
    UINT8,
    UINT16,
    UINT32,
    UINT64,
    BYTES;

    /** Datatypes a numeric feature (or the whole input tensor) accepts; each value is then checked against the
     * feature's own type. */
    static final Set<OipDatatype> NUMERIC = EnumSet.range(FP32, UINT64);
    /** Datatypes an entity id may come as: a string or a whole number. */
    static final Set<OipDatatype> ENTITY_ID = EnumSet.of(BYTES, INT32, INT64, UINT32, UINT64);
    /** Every datatype whose binary or gRPC contents this service decodes. */
    static final Set<OipDatatype> READABLE = EnumSet.allOf(OipDatatype.class);

    private static final Map<String, OipDatatype> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    /** The datatype a caller named, if it is one of {@code allowed}; names are case-sensitive, as OIP spells them. */
    static Optional<OipDatatype> parse(String name, Set<OipDatatype> allowed) {
        return Optional.ofNullable(BY_NAME.get(name)).filter(allowed::contains);
    }

    /** The datatype a caller named, for decoding its bytes or gRPC contents; a 400 naming the tensor otherwise. */
    static OipDatatype readable(String name, String tensor) throws ApiException {
        return parse(name, READABLE)
                .orElseThrow(() -> ApiException.badRequest(
                        tensor + ": datatype '" + name + "' is not supported (supported: " + list(READABLE) + ")"));
    }

    /** The datatype the service states for a tensor of the model's element type. */
    static OipDatatype of(Dtype dtype) {
        return switch (dtype) {
            case FLOAT32 -> FP32;
            case INT32 -> INT32;
        };
    }

    /** The names in alphabetical order, as error messages list them. */
    static String list(Set<OipDatatype> datatypes) {
        return datatypes.stream().map(Enum::name).sorted().collect(Collectors.joining(", "));
    }

    /** Whether values of this datatype must be whole numbers. */
    boolean integral() {
        return switch (this) {
            case INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 -> true;
            case FP32, FP64, BYTES -> false;
        };
    }
}
