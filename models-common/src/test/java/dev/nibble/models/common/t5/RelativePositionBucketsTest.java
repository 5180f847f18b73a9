package dev.nibble.models.common.t5;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Buckets for the T5 defaults (32 buckets, max distance 128), worked out by hand from the formula. */
class RelativePositionBucketsTest {
    private static int bucket(int rp) {
        return RelativePositionBuckets.bidirectional(rp, 32, 128);
    }

    @Test
    void exactBucketsNearZero() {
        assertEquals(0, bucket(0));
        assertEquals(1, bucket(-1));
        assertEquals(7, bucket(-7));
        assertEquals(17, bucket(1)); // keys after the query use the upper half
        assertEquals(23, bucket(7));
    }

    @Test
    void logSpacedBucketsFarAway() {
        assertEquals(8, bucket(-8));   // 8 + trunc(log(1)/log(16)·8) = 8
        assertEquals(9, bucket(-12));  // 8 + trunc(1.17)
        assertEquals(10, bucket(-16)); // exactly 2.0 in float32: the boundary lands on 10
        assertEquals(26, bucket(16));
        assertEquals(15, bucket(-127)); // 8 + trunc(7.98)
        assertEquals(15, bucket(-128)); // capped at half − 1
        assertEquals(31, bucket(1000));
    }

    @Test
    void tableIsKeyMinusQuery() {
        long[] t = RelativePositionBuckets.table(2, 3, 32, 128);
        assertArrayEquals(new long[] {0, 17, 18, 1, 0, 17}, t);
    }
}
