package dev.nibble.models.common.clip;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.GoldenCase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional padding mask (no golden case: pipelines pass none). Under the causal mask a token
 * never sees later ones, so masking trailing padding leaves the earlier positions unchanged, while
 * masking a leading token changes everything after it.
 */
class ClipAttentionMaskTest {
    private static final Executor EXEC = GoldenCase.cpuExecutor();

    @Test
    void trailingPaddingMaskKeepsEarlierTokens() {
        try (ClipTextModel m = ClipTextModel.load(GoldenCase.goldenRoot().resolve("models/sdxl/text_encoder_2"))) {
            int l = 9, keep = 5, d = m.config().hiddenSize();
            long[] ids = {912, 320, 559, 344, 913, 913, 913, 913, 913};
            Tensor idt = Tensor.ofLongs(Shape.of(1, l), ids);
            long[] maskv = new long[l];
            for (int i = 0; i < keep; i++) {
                maskv[i] = 1;
            }
            ClipTextModel.Output plain = m.encode(idt, null, false, EXEC);
            ClipTextModel.Output masked = m.encode(idt, Tensor.ofLongs(Shape.of(1, l), maskv), false, EXEC);
            ClipTextModel.Output ones = m.encode(idt, Tensor.ofLongs(Shape.of(1, l), 1, 1, 1, 1, 1, 1, 1, 1, 1), false, EXEC);
            assertTrue(plain.hiddenStates().isEmpty());
            float[] a = plain.lastHiddenState().toFloatArray(), b = masked.lastHiddenState().toFloatArray();
            for (int i = 0; i < keep * d; i++) {
                assertEquals(a[i], b[i], 1e-6f, "position " + i / d);
            }
            assertArrayEquals(a, ones.lastHiddenState().toFloatArray(), 1e-6f);
            // pooled at the first eos (position 4), which the mask keeps
            assertArrayEquals(plain.textEmbeds().toFloatArray(), masked.textEmbeds().toFloatArray(), 1e-6f);

            long[] lead = maskv.clone();
            lead[1] = 0;
            ClipTextModel.Output hole = m.encode(idt, Tensor.ofLongs(Shape.of(1, l), lead), false, EXEC);
            float[] c = hole.lastHiddenState().toFloatArray();
            assertArrayEquals(java.util.Arrays.copyOf(a, d), java.util.Arrays.copyOf(c, d), 1e-6f);
            assertTrue(Math.abs(a[3 * d] - c[3 * d]) > 1e-4f, "masking token 1 must change token 3");
        }
    }
}
