package dev.appliance.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.observe.JsonFormatter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects, while open, every line the service logs, formatted as the service formats them in production. */
final class LogCapture extends Handler implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture() {
        setFormatter(new JsonFormatter());
        Logger.getLogger("").addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            lines.add(getFormatter().format(record));
        }
    }

    /** Every captured line, parsed; each must be one JSON object ending the line. */
    List<JsonNode> lines() {
        return lines.stream()
                .map(line -> {
                    if (!line.endsWith("\n") || line.indexOf('\n') != line.length() - 1) {
                        throw new AssertionError("not one line: " + line);
                    }
                    try {
                        return JSON.readTree(line);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .toList();
    }

    /** The captured lines that match. */
    List<JsonNode> lines(Predicate<JsonNode> filter) {
        return lines().stream().filter(filter).toList();
    }

    /** The captured lines, as text, for failure messages and secret checks. */
    String text() {
        return String.join("", lines);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
