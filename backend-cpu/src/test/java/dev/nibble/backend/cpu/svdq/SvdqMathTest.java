package dev.nibble.backend.cpu.svdq;

import dev.nibble.engine.ops.UnaryFn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SvdqMathTest {
    @Test
    void roundsHalfToEvenLikeTorchRound() {
        assertEquals(2, SvdqMath.quantize(2.5f, 1f));
        assertEquals(4, SvdqMath.quantize(3.5f, 1f));
        assertEquals(-2, SvdqMath.quantize(-2.5f, 1f));
        assertEquals(0, SvdqMath.quantize(0.5f, 1f));
        assertEquals(0, SvdqMath.quantize(-0.5f, 1f));
        assertEquals(2, SvdqMath.quantize(1.5f, 1f));
        assertEquals(1, SvdqMath.quantize(0.5000001f, 1f));
    }

    @Test
    void clampsToSignedNibbleRange() {
        assertEquals(7, SvdqMath.quantize(7.6f, 1f));
        assertEquals(7, SvdqMath.quantize(100f, 1f));
        assertEquals(-8, SvdqMath.quantize(-8.4f, 1f));
        assertEquals(-8, SvdqMath.quantize(-100f, 1f));
        assertEquals(0, SvdqMath.quantize(5f, 0f));
    }

    @Test
    void scaleIsMaxOverSeven() {
        float amax = 3.3f;
        float s = SvdqMath.groupScale(amax);
        assertEquals(amax / 7f, s);
        assertEquals(7, SvdqMath.quantize(amax, s));
        assertEquals(-7, SvdqMath.quantize(-amax, s));
    }

    @Test
    void nibblesRoundTripLowNibbleEvenK() {
        for (int lo = -8; lo <= 7; lo++) {
            for (int hi = -8; hi <= 7; hi++) {
                byte b = SvdqMath.pack(lo, hi);
                assertEquals(lo, SvdqMath.lowNibble(b));
                assertEquals(hi, SvdqMath.highNibble(b));
            }
        }
        assertEquals((byte) 0x21, SvdqMath.pack(1, 2));
        assertEquals((byte) 0x8f, SvdqMath.pack(-1, -8));
    }

    @Test
    void erfMatchesKnownValues() {
        assertEquals(0.0, SvdqMath.erf(0), 0);
        assertEquals(0.5204998778130465, SvdqMath.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, SvdqMath.erf(1), 1e-15);
        assertEquals(0.9953222650189527, SvdqMath.erf(2), 1e-15);
        assertEquals(0.9999779095030014, SvdqMath.erf(3), 1e-15);
        assertEquals(-0.9999999845827421, SvdqMath.erf(-4), 1e-15);
        assertEquals(0.9661051464753108, SvdqMath.erf(1.5), 1e-15);
        assertEquals(0.9995930479825550, SvdqMath.erf(2.5), 1e-15);
    }

    @Test
    void epiloguesInDouble() {
        assertEquals(0.8413447460685429, SvdqMath.apply(UnaryFn.GELU, 1.0), 1e-14);
        assertEquals(0.8411919906082768, SvdqMath.apply(UnaryFn.GELU_TANH, 1.0), 1e-14);
        assertEquals(0.7310585786300049, SvdqMath.apply(UnaryFn.SILU, 1.0), 1e-14);
        assertEquals(0.0, SvdqMath.apply(UnaryFn.RELU, -2.0), 0);
    }
}
