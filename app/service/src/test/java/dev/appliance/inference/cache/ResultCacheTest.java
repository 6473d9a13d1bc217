package dev.appliance.inference.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Keys and values of the prediction cache. */
class ResultCacheTest {

    private static final float[][] ROWS = {{950f, 7f, 3f, 2f, 25f, 8.5f}};

    @Test
    void keyChangesWithModelVersionAndEveryInputBit() {
        String key = ResultCache.key("risk", 2, ROWS);
        assertEquals(key, ResultCache.key("risk", 2, new float[][] {ROWS[0].clone()}));
        assertNotEquals(key, ResultCache.key("risk", 3, ROWS));
        assertNotEquals(key, ResultCache.key("risk_heavy", 2, ROWS));
        float[][] nudged = {ROWS[0].clone()};
        nudged[0][5] = Math.nextUp(nudged[0][5]);
        assertNotEquals(key, ResultCache.key("risk", 2, nudged));
        assertEquals(45, key.length(), "short, printable Memcached key: " + key);
    }

    @Test
    void valuesRoundTripCompactly() {
        float[][] outputs = {{0.25f}, {0.9890681f}};
        byte[] encoded = ResultCache.encode(outputs);
        assertEquals(8 + 2 * Float.BYTES, encoded.length);
        float[][] decoded = ResultCache.decode(encoded, 2);
        assertArrayEquals(outputs[1], decoded[1]);
    }

    @Test
    void aValueForAnotherShapeIsRefused() {
        byte[] encoded = ResultCache.encode(new float[][] {{0.25f}});
        assertThrows(IllegalArgumentException.class, () -> ResultCache.decode(encoded, 2));
        assertThrows(IllegalArgumentException.class, () -> ResultCache.decode(new byte[] {1, 2, 3}, 1));
    }
}
