package dev.appliance.inference.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.logging.common.HelidonMdc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Formats each log record as one JSON line: {@code time}, {@code level}, {@code logger}, {@code message},
 * the {@code request_id}, {@code model} and {@code version} of the request being served (see
 * {@link RequestIdFilter}), {@code audit: true} on audit loggers, the fields an {@link Audit} record
 * carries, and {@code error} with the stack trace when there is one. Named in {@code logging.properties}.
 */
public final class JsonFormatter extends Formatter {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Gives this formatter to every root handler whose {@code logging.properties} entry names it.
     * LogManager loads formatters with the system class loader, which cannot see the classes inside the
     * executable JAR, so naming it there alone has no effect.
     */
    public static void applyConfigured() {
        LogManager manager = LogManager.getLogManager();
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (JsonFormatter.class
                    .getName()
                    .equals(manager.getProperty(handler.getClass().getName() + ".formatter"))) {
                handler.setFormatter(new JsonFormatter());
            }
        }
    }

    @Override
    public String format(LogRecord record) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", record.getInstant().toString());
        line.put("level", record.getLevel().getName());
        line.put("logger", record.getLoggerName());
        line.put("message", formatMessage(record));
        for (String key : RequestIdFilter.CONTEXT_KEYS) {
            HelidonMdc.get(key).ifPresent(value -> line.put(key, value));
        }
        if (record.getLoggerName() != null && record.getLoggerName().endsWith(".audit")) {
            line.put("audit", true);
        }
        if (record.getParameters() != null
                && record.getParameters().length == 1
                && record.getParameters()[0] instanceof Audit.Fields fields) {
            line.putAll(fields.values());
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.put("error", trace.toString());
        }
        try {
            return JSON.writeValueAsString(line) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
