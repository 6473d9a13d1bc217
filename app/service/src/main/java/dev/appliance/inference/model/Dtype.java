package dev.appliance.inference.model;

import java.util.Locale;

/** Element type of a model feature as the manifest declares it. Every feature reaches the model as float32. */
public enum Dtype {
    /** Any finite number that fits a 32-bit float. */
    FLOAT32,
    /** A whole number that fits a 32-bit signed integer (categories, hours). */
    INT32;

    /** The manifest's spelling: {@code float32}, {@code int32}. */
    public String manifestName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Dtype fromManifest(String name) {
        for (Dtype d : values()) {
            if (d.manifestName().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (allowed: float32, int32)");
    }
}
