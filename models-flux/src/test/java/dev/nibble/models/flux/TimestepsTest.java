package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The sinusoidal projection against its closed form. */
class TimestepsTest {
    @Test
    void frequenciesAreWithinOneUlpOfTheExponentialOfTheFloat32Exponent() {
        float[] f = Timesteps.frequenciesTable();
        assertEquals(128, f.length);
        assertEquals(1f, f[0]);
        float negLog = (float) -Math.log(10000.0);
        for (int j = 0; j < f.length; j++) {
            double exact = Math.exp((negLog * j) / 128f);
            assertTrue(Math.abs(f[j] - exact) <= 1.5 * Math.ulp(f[j]), "freq " + j);
        }
    }

    @Test
    void cosFirstThenSinOfThousandTimesT() {
        Tensor e = Timesteps.project(new float[] {0.5f, 0f});
        assertEquals(Shape.of(2, 256), e.shape());
        float[] v = e.toFloatArray();
        assertEquals((float) Math.cos(500), v[0], 0f);
        assertEquals((float) Math.sin(500), v[128], 0f);
        assertEquals(1f, v[256 + 5], 0f); // t = 0: cos 0
        assertEquals(0f, v[256 + 128 + 5], 0f);
    }
}
