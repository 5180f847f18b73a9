package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** erf/erfc and every UnaryFn against high-precision values (Abramowitz & Stegun, 30-digit tables). */
class ErfActivationsTest {
    private static void assertRel(double expected, double actual, double rel) {
        assertEquals(expected, actual, Math.abs(expected) * rel, () -> "expected " + expected + " got " + actual);
    }

    @Test
    void erfAtKnownPoints() {
        assertEquals(0.0, Erf.erf(0.0));
        assertRel(0.520499877813046537682746653892, Erf.erf(0.5), 1e-15);
        assertRel(0.842700792949714869341220635083, Erf.erf(1.0), 1e-15);
        assertRel(0.995322265018952734162069256367, Erf.erf(2.0), 1e-15);
        assertRel(0.999977909503001414558627223870, Erf.erf(3.0), 1e-15);
        assertRel(-0.842700792949714869341220635083, Erf.erf(-1.0), 1e-15);
        assertRel(2 / Math.sqrt(Math.PI) * 1e-10, Erf.erf(1e-10), 1e-15);
        assertEquals(1.0, Erf.erf(30.0));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    @Test
    void erfcKeepsRelativePrecisionInTheTail() {
        assertRel(2.20904969985854413727761295823e-5, Erf.erfc(3.0), 1e-14);
        assertRel(1.53745979442803485018834348538e-12, Erf.erfc(5.0), 1e-14);
        assertRel(2.08848758376254475700078629495e-45, Erf.erfc(10.0), 1e-13);
        assertRel(1.842700792949714869341220635083, Erf.erfc(-1.0), 1e-15);
        assertRel(0.157299207050285130658779364917, Erf.erfc(1.0), 1e-14);
        assertEquals(0.0, Erf.erfc(40.0));
    }

    @Test
    void erfIsContinuousAcrossItsBranchPoint() {
        double below = Erf.erf(Math.nextDown(2.0)), at = Erf.erf(2.0);
        assertTrue(Math.abs(at - below) < 1e-15, below + " vs " + at);
        assertTrue(Math.abs(Erf.erfc(Math.nextDown(2.0)) / Erf.erfc(2.0) - 1) < 1e-13);
    }

    @Test
    void geluIsExactErfGeluIncludingTheNegativeTail() {
        // x·Φ(x) with Φ from 20-digit tables
        assertRel(0.841344746068542948585232545632, Activations.gelu(1), 1e-15);
        assertRel(-0.158655253931457051414767454368, Activations.gelu(-1), 1e-14);
        assertRel(2.995950305905109717, Activations.gelu(3), 1e-15);
        assertRel(0.345731230637006558, Activations.gelu(0.5), 1e-15);
        assertRel(-5 * 2.86651571879193911673752333e-7, Activations.gelu(-5), 1e-13);
        assertRel(-10 * 7.61985302416052606597e-24, Activations.gelu(-10), 1e-12);
        assertEquals(0.0, Activations.gelu(0));
    }

    @Test
    void everyUnaryFnOnTheDevice() {
        float[] x = {1f, -2f, 0.5f, 0f};
        float[][] expected = new float[UnaryFn.values().length][];
        expected[UnaryFn.IDENTITY.ordinal()] = x;
        expected[UnaryFn.GELU.ordinal()] = floats(0.8413447460685429, -0.04550026389635842, 0.34573123063700656, 0);
        expected[UnaryFn.GELU_TANH.ordinal()] = floats(0.8411919906082768, -0.04540230591222494, 0.34571400982514394, 0);
        expected[UnaryFn.QUICK_GELU.ordinal()] = floats(0.8457957659328212, -0.06434137685579186, 0.35038843660638014, 0);
        expected[UnaryFn.SILU.ordinal()] = floats(0.7310585786300049, -0.23840584404423515, 0.31122966560092724, 0);
        expected[UnaryFn.RELU.ordinal()] = floats(1, 0, 0.5, 0);
        expected[UnaryFn.SIGMOID.ordinal()] = floats(0.7310585786300049, 0.11920292202211755, 0.6224593312018546, 0.5);
        expected[UnaryFn.TANH.ordinal()] = floats(0.7615941559557649, -0.9640275800758169, 0.46211715726000974, 0);
        expected[UnaryFn.EXP.ordinal()] = floats(Math.E, 0.1353352832366127, 1.6487212707001282, 1);
        for (UnaryFn fn : UnaryFn.values()) {
            float[] y = RefOps.runFloats(new Unary(fn), RefOps.t(RefOps.dims(4), x));
            for (int i = 0; i < x.length; i++) {
                assertEquals(expected[fn.ordinal()][i], y[i], 2e-7f * Math.max(1, Math.abs(y[i])), fn + "(" + x[i] + ")");
            }
        }
    }

    @Test
    void sigmoidFamilySaturatesWithoutNaN() {
        float[] y = RefOps.runFloats(new Unary(UnaryFn.SIGMOID), RefOps.t(RefOps.dims(2), -800f, 800f));
        assertEquals(0f, y[0]);
        assertEquals(1f, y[1]);
        float[] s = RefOps.runFloats(new Unary(UnaryFn.SILU), RefOps.t(RefOps.dims(2), -800f, 800f));
        assertEquals(-0f, s[0], 0f);
        assertEquals(800f, s[1]);
    }

    private static float[] floats(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
