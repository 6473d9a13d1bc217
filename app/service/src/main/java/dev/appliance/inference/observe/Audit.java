package dev.appliance.inference.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The audit trail of what changes what the service serves: model versions loaded, reloaded and refused, and
 * feature writes (accepted or refused). One record each on the logger {@value #LOGGER}, with an
 * {@code event} field and the facts as fields of the JSON line. Records name models, entities and feature
 * names, never a credential or a feature value. Vault logins and credential rotations are written in the same
 * format on their own logger, {@code dev.appliance.inference.secrets.audit} (see {@link #record}).
 */
public final class Audit {

    /** Logger name, so operators can route audit records on their own. */
    public static final String LOGGER = "dev.appliance.inference.audit";

    private static final Logger LOG = Logger.getLogger(LOGGER);

    /** The structured fields of one audit record, read by {@link JsonFormatter}. */
    record Fields(Map<String, Object> values) {}

    private Audit() {}

    /** A feature write was stored. */
    public static void featureWrite(String entityKey, String entityId, Iterable<String> features, int events) {
        record(
                Level.INFO,
                "audit: features written for " + entityKey + " '" + entityId + "'",
                "feature_write",
                "entity_key",
                entityKey,
                "entity_id",
                entityId,
                "features",
                features,
                "events",
                events);
    }

    /** A feature write was refused before anything was stored: no or a wrong bearer token. */
    public static void featureWriteRefused(String path, String reason) {
        record(
                Level.WARNING,
                "audit: feature write to " + path + " refused: " + reason,
                "feature_write_refused",
                "path",
                path,
                "reason",
                reason);
    }

    /** An operator loaded or unloaded a model through the repository API ({@code action} load or unload). */
    public static void modelControl(String action, String model) {
        record(
                Level.INFO,
                "audit: model " + model + " " + action + " requested",
                "model_" + action + "_requested",
                "model",
                model);
    }

    /** A load or unload was refused before anything changed: no or a wrong admin token. */
    public static void modelControlRefused(String action, String model, String reason) {
        record(
                Level.WARNING,
                "audit: model " + action + " of " + model + " refused: " + reason,
                "model_" + action + "_refused",
                "model",
                model,
                "reason",
                reason);
    }

    static void model(String event, String model, long version, String detail) {
        record(
                event.equals("model_refused") ? Level.WARNING : Level.INFO,
                "audit: model " + model + " version " + version + " " + detail,
                event,
                "model",
                model,
                "version",
                Long.toString(version));
    }

    private static void record(Level level, String message, String event, Object... keyValues) {
        record(LOG, level, message, event, keyValues);
    }

    /**
     * Writes one audit record on {@code logger} (whose name ends in {@code .audit}): the message, and
     * {@code event} with the key-value pairs as fields of the JSON line. The one format of every audit record.
     */
    public static void record(Logger logger, Level level, String message, String event, Object... keyValues) {
        if (!logger.isLoggable(level)) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("event", event);
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger.getName());
        record.setParameters(new Object[] {new Fields(fields)});
        logger.log(record);
    }
}
