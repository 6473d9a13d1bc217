package dev.appliance.inference.features;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One validated write for one entity: feature values to upsert and/or history events to append. The
 * write API and the bulk loader both parse their input into this, so both accept and refuse the same.
 *
 * @param entityKey entity type, e.g. {@code user_id}
 * @param entityId  entity id
 * @param features  feature name to value; may be empty
 * @param updatedAt update time of the features
 * @param events    events to append; may be empty
 */
public record FeatureWrite(
        String entityKey, String entityId, Map<String, Double> features, Instant updatedAt, List<NewEvent> events) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Set<String> FIELDS = Set.of("entity_key", "entity_id", "features", "updated_at", "events");
    private static final Set<String> EVENT_FIELDS = Set.of("occurred_at", "amount", "merchant_category");
    private static final int MAX_ITEMS = 1000;

    /**
     * Parses a body {@code {"features": {...}, "updated_at": "...", "events": [...]}}; entity key and id come
     * from the arguments when given, otherwise from the body's {@code entity_key} and {@code entity_id}.
     *
     * @throws IllegalArgumentException naming the field and what is wrong with it
     */
    public static FeatureWrite parse(JsonNode body, String entityKey, String entityId, Instant now) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("must be a JSON object with features and/or events");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field) || (entityKey != null && field.startsWith("entity_"))) {
                throw new IllegalArgumentException("unknown field '" + field + "'");
            }
        }
        String key = entityKey != null ? entityKey : text(body.get("entity_key"), "entity_key");
        String id = entityId != null ? entityId : text(body.get("entity_id"), "entity_id");
        if (!NAME.matcher(key).matches()) {
            throw new IllegalArgumentException("entity_key must match " + NAME.pattern() + ", got '" + key + "'");
        }
        if (id.isEmpty() || id.length() > 256) {
            throw new IllegalArgumentException("entity_id must be 1 to 256 characters");
        }
        Map<String, Double> features = features(body.get("features"));
        Instant updatedAt = body.has("updated_at") ? instant(body.get("updated_at"), "updated_at") : now;
        List<NewEvent> events = events(body.get("events"));
        if (features.isEmpty() && events.isEmpty()) {
            throw new IllegalArgumentException("give features and/or events; both are empty");
        }
        return new FeatureWrite(key, id, features, updatedAt, events);
    }

    /** Writes to the store, then drops the entity's cached data so the next read sees the new values. */
    public void apply(FeatureStore store, FeatureCache cache) throws FeatureStoreUnavailableException {
        if (!features.isEmpty()) {
            store.upsert(entityKey, entityId, features, updatedAt);
        }
        if (!events.isEmpty()) {
            store.append(entityKey, entityId, events);
        }
        cache.invalidate(entityKey, entityId);
    }

    /**
     * A stable id for an event, from what identifies it, so loading the same file twice does not
     * duplicate history.
     */
    static UUID eventId(String entityKey, String entityId, NewEvent event) {
        ByteBuffer bytes = ByteBuffer.allocate(24);
        bytes.putLong(event.occurredAt().toEpochMilli())
                .putDouble(event.amount())
                .putLong(event.merchantCategory() == null ? Long.MIN_VALUE : event.merchantCategory());
        byte[] name = (entityKey + "\0" + entityId + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[name.length + bytes.capacity()];
        System.arraycopy(name, 0, all, 0, name.length);
        System.arraycopy(bytes.array(), 0, all, name.length, bytes.capacity());
        return UUID.nameUUIDFromBytes(all);
    }

    private static Map<String, Double> features(JsonNode node) {
        Map<String, Double> features = new LinkedHashMap<>();
        if (node == null) {
            return features;
        }
        if (!node.isObject() || node.size() > MAX_ITEMS) {
            throw new IllegalArgumentException(
                    "features must be an object of at most " + MAX_ITEMS + " feature names to numbers");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("features." + e.getKey() + " is not a valid feature name");
            }
            features.put(e.getKey(), number(e.getValue(), "features." + e.getKey()));
        }
        return features;
    }

    private static List<NewEvent> events(JsonNode node) {
        List<NewEvent> events = new ArrayList<>();
        if (node == null) {
            return events;
        }
        if (!node.isArray() || node.size() > MAX_ITEMS) {
            throw new IllegalArgumentException("events must be an array of at most " + MAX_ITEMS + " events");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode event = node.get(i);
            String path = "events[" + i + "]";
            if (!event.isObject()) {
                throw new IllegalArgumentException(path + " must be an object with occurred_at and amount");
            }
            for (Iterator<String> it = event.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!EVENT_FIELDS.contains(field)) {
                    throw new IllegalArgumentException(path + "." + field + " is not a field of an event");
                }
            }
            Integer category = null;
            JsonNode c = event.get("merchant_category");
            if (c != null && !c.isNull()) {
                if (!c.isIntegralNumber() || !c.canConvertToInt()) {
                    throw new IllegalArgumentException(path + ".merchant_category must be a whole number");
                }
                category = c.intValue();
            }
            events.add(new NewEvent(
                    instant(event.get("occurred_at"), path + ".occurred_at"),
                    number(event.get("amount"), path + ".amount"),
                    category));
        }
        return events;
    }

    private static String text(JsonNode node, String path) {
        if (node == null || !(node.isTextual() || node.isIntegralNumber())) {
            throw new IllegalArgumentException(path + " is required (a string)");
        }
        return node.asText();
    }

    private static double number(JsonNode node, String path) {
        if (node == null || !node.isNumber() || !Double.isFinite(node.doubleValue())) {
            throw new IllegalArgumentException(path + " must be a finite number");
        }
        return node.doubleValue();
    }

    private static Instant instant(JsonNode node, String path) {
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(path + " must be an ISO-8601 instant such as 2026-11-21T10:15:30Z");
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    path + " must be an ISO-8601 instant such as 2026-11-21T10:15:30Z, got '" + node.asText() + "'");
        }
    }
}
