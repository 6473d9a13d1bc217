package dev.appliance.inference.api;

import java.util.Arrays;

/**
 * Decoded request rows before enrichment: values in manifest feature order, which of them the caller
 * gave, and the entity each row names (null when it names none).
 *
 * @param values    one array per row, in feature order; absent values are 0 until enriched
 * @param provided  per row and feature, whether the request supplied the value
 * @param entityIds per row, the entity id, or null
 */
record RequestRows(float[][] values, boolean[][] provided, String[] entityIds) {

    /** Rows the request supplied completely, naming no entity. */
    static RequestRows complete(float[][] values) {
        boolean[][] provided = new boolean[values.length][];
        for (int i = 0; i < values.length; i++) {
            provided[i] = new boolean[values[i].length];
            Arrays.fill(provided[i], true);
        }
        return new RequestRows(values, provided, new String[values.length]);
    }

    boolean namesAnEntity() {
        return Arrays.stream(entityIds).anyMatch(id -> id != null);
    }
}
