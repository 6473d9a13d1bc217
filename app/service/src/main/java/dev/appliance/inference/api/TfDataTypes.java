package dev.appliance.inference.api;

import dev.appliance.inference.model.Dtype;
import dev.appliance.inference.proto.tf.DataType;

/** The TensorFlow Serving dtype (gRPC enum, REST metadata name) of a tensor of the model's element type. */
final class TfDataTypes {

    private TfDataTypes() {}

    static DataType of(Dtype dtype) {
        return switch (dtype) {
            case FLOAT32 -> DataType.DT_FLOAT;
            case INT32 -> DataType.DT_INT32;
        };
    }
}
