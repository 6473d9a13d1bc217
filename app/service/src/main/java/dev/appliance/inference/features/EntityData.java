package dev.appliance.inference.features;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the feature store holds for one entity: its stored feature values, each with its update time,
 * and its most recent history events, newest first. This is also what the feature cache keeps.
 *
 * @param stored feature name to value and update time
 * @param events recent events, newest first
 */
public record EntityData(Map<String, StoredValue> stored, List<Event> events) {

    private static final int MAX_ENTRIES = 100_000;

    /** Copies the collections so the value is immutable. */
    public EntityData {
        stored = Map.copyOf(stored);
        events = List.copyOf(events);
    }

    /**
     * One stored feature value.
     *
     * @param value     the value
     * @param updatedAt when it was written
     */
    public record StoredValue(double value, Instant updatedAt) {}

    /**
     * One history event (a transaction).
     *
     * @param at     when it happened
     * @param amount its amount
     */
    public record Event(Instant at, double amount) {}

    /** Compact binary form for the feature cache. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(stored.size());
            for (Map.Entry<String, StoredValue> e : stored.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeDouble(e.getValue().value());
                out.writeLong(e.getValue().updatedAt().toEpochMilli());
            }
            out.writeInt(events.size());
            for (Event e : events) {
                out.writeLong(e.at().toEpochMilli());
                out.writeDouble(e.amount());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads {@link #encode()}'s form; an IOException names what is wrong with the bytes. */
    public static EntityData decode(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = count(in.readInt());
            Map<String, StoredValue> stored = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                stored.put(in.readUTF(), new StoredValue(in.readDouble(), Instant.ofEpochMilli(in.readLong())));
            }
            int m = count(in.readInt());
            List<Event> events = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                events.add(new Event(Instant.ofEpochMilli(in.readLong()), in.readDouble()));
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return new EntityData(stored, events);
        }
    }

    private static int count(int n) throws IOException {
        if (n < 0 || n > MAX_ENTRIES) {
            throw new IOException("implausible entry count " + n);
        }
        return n;
    }
}
