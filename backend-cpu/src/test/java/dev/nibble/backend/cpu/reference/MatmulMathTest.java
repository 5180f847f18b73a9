package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.nibble.backend.cpu.reference.RefOps.dims;
import static dev.nibble.backend.cpu.reference.RefOps.runFloats;
import static dev.nibble.backend.cpu.reference.RefOps.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Linear and Conv2d against results worked out by hand. */
class MatmulMathTest {
    private static final Tensor X = t(dims(2, 3), 1, 2, 3, 4, 5, 6);
    private static final Tensor W = t(dims(2, 3), 1, 0, -1, 0.5f, 0.5f, 0.5f);
    private static final Tensor B = t(dims(2), 1, -1);

    @Test
    void linear2x3ByHand() {
        // row 0: 1−3+1 = −1, 3−1 = 2; row 1: 4−6+1 = −1, 7.5−1 = 6.5
        assertArrayEquals(new float[] {-1, 2, -1, 6.5f}, runFloats(new Linear(true), X, W, B));
        assertArrayEquals(new float[] {-2, 3, -2, 7.5f}, runFloats(new Linear(false), X, W));
    }

    @Test
    void linearWithHalfPrecisionWeightsAndBias() {
        for (DType d : new DType[] {DType.F16, DType.BF16}) {
            assertArrayEquals(new float[] {-1, 2, -1, 6.5f}, runFloats(new Linear(true), X, W.to(d), B.to(d)), d.name());
        }
    }

    @Test
    void linearEpilogueIsApplied() {
        assertArrayEquals(new float[] {0, 2, 0, 6.5f}, runFloats(new Linear(true, UnaryFn.RELU), X, W, B));
        float g = (float) (-1 * 0.15865525393145707); // gelu(−1)
        assertArrayEquals(new float[] {g, (float) (2 * 0.9772498680518208), g, 6.5f},
                runFloats(new Linear(true, UnaryFn.GELU), X, W, B), 1e-6f);
    }

    @Test
    void linearOnRank3Input() {
        Tensor x = t(dims(2, 1, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new float[] {-1, 2, -1, 6.5f}, runFloats(new Linear(true), x, W, B));
    }

    /** x = 1..9 in a 3×3 image. */
    private static final Tensor IMG3 = t(dims(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
    private static final Tensor ONES3 = t(dims(1, 1, 3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1);

    @Test
    void conv3x3BoxFilterWithPadding() {
        assertArrayEquals(new float[] {12, 21, 16, 27, 45, 33, 24, 39, 28}, runFloats(Conv2d.of(1, 1, false), IMG3, ONES3));
        assertArrayEquals(new float[] {12, 16, 24, 28}, runFloats(Conv2d.of(2, 1, false), IMG3, ONES3));
        assertArrayEquals(new float[] {46}, runFloats(Conv2d.of(1, 0, true), IMG3, ONES3, t(dims(1), 1)));
    }

    @Test
    void convIsCrossCorrelationNotFlipped() {
        Tensor right = t(dims(1, 1, 3, 3), 0, 0, 0, 0, 0, 1, 0, 0, 0); // picks the pixel to the right
        assertArrayEquals(new float[] {2, 3, 0, 5, 6, 0, 8, 9, 0}, runFloats(Conv2d.of(1, 1, false), IMG3, right));
    }

    @Test
    void convAsymmetricPaddingStride2LikeTheVaeDownsampler() {
        Tensor x = t(dims(1, 1, 4, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        // windows: rows 0–2 / 2–4 and columns 0–2 / 2–4, row 4 and column 4 being the bottom/right padding
        assertArrayEquals(new float[] {55, 46, 73, 55},
                runFloats(new Conv2d(2, 2, 0, 1, 0, 1, true), x, ONES3, t(dims(1), 1)));
    }

    @Test
    void conv1x1IsAPerPixelMatmulOverChannels() {
        Tensor x = t(dims(1, 2, 1, 2), 1, 2, 3, 4); // channel 0: [1, 2], channel 1: [3, 4]
        Tensor w = t(dims(3, 2, 1, 1), 1, 0, 0, 1, 1, -1);
        assertArrayEquals(new float[] {1, 2, 3, 4, -2, -2}, runFloats(Conv2d.of(1, 0, false), x, w));
        assertArrayEquals(new float[] {1, 2, 3, 4, -2, -2}, runFloats(Conv2d.of(1, 0, false), x, w.to(DType.BF16)));
    }
}
