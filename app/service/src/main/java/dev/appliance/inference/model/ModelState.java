package dev.appliance.inference.model;

import java.util.Map;
import java.util.NavigableMap;

/**
 * An immutable view of one model: the versions serving now, its labels, and the versions that were
 * refused with the reason. The registry replaces the whole view on every change.
 *
 * @param name     model name
 * @param loaded   serving versions by number
 * @param labels   label to version, from configuration
 * @param refused  refused version to the reason, as logged
 */
public record ModelState(
        String name, NavigableMap<Long, ServedVersion> loaded, Map<String, Long> labels, Map<Long, String> refused) {

    /** The version that answers requests without a version or label, if any is loaded. */
    public ServedVersion latest() {
        return loaded.isEmpty() ? null : loaded.lastEntry().getValue();
    }
}
