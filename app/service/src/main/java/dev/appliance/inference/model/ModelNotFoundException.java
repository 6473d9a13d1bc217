package dev.appliance.inference.model;

/** No such model, version or label: a 404. The message says what exists instead. */
public final class ModelNotFoundException extends Exception {

    ModelNotFoundException(String message) {
        super(message);
    }
}
