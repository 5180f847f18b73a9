package dev.nibble.models.common.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

class ImageResamplerTest {

    private static ChwImage fill(int c, int h, int w, IntBinaryOperator f) {
        float[] d = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    d[(ch * h + y) * w + x] = f.applyAsInt(y, x) / 255f;
                }
            }
        }
        return new ChwImage(c, h, w, d);
    }

    @Test
    void constantStaysConstant() {
        ChwImage img = fill(3, 9, 13, (y, x) -> 100);
        for (ResizeFilter f : ResizeFilter.values()) {
            for (int[] size : new int[][] {{4, 5}, {30, 17}, {13, 3}}) {
                ChwImage r = ImageResampler.resize(img, size[0], size[1], f);
                assertEquals(size[0], r.width());
                assertEquals(size[1], r.height());
                for (float v : r.data()) {
                    assertEquals(100 / 255f, v, 1e-6f);
                }
            }
        }
    }

    @Test
    void shrinkingAveragesInsteadOfAliasing() {
        // A one-pixel checkerboard shrunk 4x must become mid-grey, not a sample of either colour.
        ChwImage board = fill(1, 32, 32, (y, x) -> ((x + y) & 1) == 0 ? 255 : 0);
        for (ResizeFilter f : ResizeFilter.values()) {
            ChwImage r = ImageResampler.resize(board, 8, 8, f);
            for (int y = 1; y < 7; y++) {
                for (int x = 1; x < 7; x++) {
                    assertEquals(0.5f, r.get(0, y, x), 0.02f, f + " at " + y + "," + x);
                }
            }
        }
    }

    @Test
    void sameSizeIsUnchanged() {
        ChwImage img = fill(1, 2, 2, (y, x) -> x);
        assertSame(img, ImageResampler.resize(img, 2, 2, ResizeFilter.BICUBIC));
    }
}
