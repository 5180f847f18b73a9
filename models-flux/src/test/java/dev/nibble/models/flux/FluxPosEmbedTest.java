package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Rotary tables against their closed form. */
class FluxPosEmbedTest {
    @Test
    void tablesFollowTheAxesSplitAndRepeatEachFrequencyTwice() {
        // one token at (0, 3, 5) with axes (2, 4): axis 0 has id 0 → cos 1, sin 0;
        // axis 1 (id 3) has frequencies 1 and 1/sqrt(10000) = 0.01
        Tensor ids = Tensor.ofFloats(Shape.of(1, 2), 0, 3);
        FluxPosEmbed.Tables t = FluxPosEmbed.tables(ids, new int[] {2, 4});
        assertEquals(Shape.of(1, 6), t.cos().shape());
        float[] cos = t.cos().toFloatArray();
        float[] sin = t.sin().toFloatArray();
        float[] wantCos = {1, 1, (float) Math.cos(3), (float) Math.cos(3), (float) Math.cos(0.03), (float) Math.cos(0.03)};
        float[] wantSin = {0, 0, (float) Math.sin(3), (float) Math.sin(3), (float) Math.sin(0.03), (float) Math.sin(0.03)};
        for (int i = 0; i < 6; i++) {
            assertEquals(wantCos[i], cos[i], 0f, "cos " + i);
            assertEquals(wantSin[i], sin[i], 0f, "sin " + i);
        }
    }

    @Test
    void textIdsComeFirst() {
        Tensor txt = Tensor.ofFloats(Shape.of(1, 3), 0, 0, 0);
        Tensor img = Tensor.ofFloats(Shape.of(1, 3), 0, 1, 2);
        Tensor ids = FluxPosEmbed.concatIds(txt, img);
        assertEquals(Shape.of(2, 3), ids.shape());
        assertEquals(2f, ids.getFloat(5));
    }

    @Test
    void idsMustMatchTheAxes() {
        assertThrows(IllegalArgumentException.class,
                () -> FluxPosEmbed.tables(Tensor.ofFloats(Shape.of(1, 2), 0, 0), new int[] {2, 2, 2}));
    }
}
