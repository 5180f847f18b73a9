package dev.nibble.bench.compare;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StatsTest {
    @Test
    void medianQuartilesAndExtremesLikeNumpy() {
        // numpy.percentile([5, 1, 4, 2, 3], [25, 50, 75]) = [2, 3, 4]
        Stats s = Stats.of(new long[] {5, 1, 4, 2, 3});
        assertEquals(3, s.median());
        assertEquals(2, s.p25());
        assertEquals(4, s.p75());
        assertEquals(1, s.min());
        assertEquals(5, s.max());
        assertEquals(3, s.mean());
        assertEquals(5, s.count());
        assertArrayEquals(new long[] {5, 1, 4, 2, 3}, s.samples());
        // even count interpolates: numpy.percentile([10, 20, 30, 40], [25, 50, 75]) = [17.5, 25, 32.5]
        Stats e = Stats.of(new long[] {40, 10, 30, 20});
        assertEquals(25, e.median());
        assertEquals(17.5, e.p25());
        assertEquals(32.5, e.p75());
        assertEquals(15.0 / 25, e.relativeIqr(), 1e-12);
    }
}
