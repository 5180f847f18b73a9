package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PsnrTest {
    @Test
    void identicalImagesHaveInfinitePsnr() {
        float[] a = random(3 * 16 * 16, 1);
        assertEquals(Double.POSITIVE_INFINITY, Psnr.of(a, a.clone(), 1.0));
    }

    @Test
    void knownNoiseLevelGivesTheClosedForm() {
        // every pixel off by exactly ±0.1 → MSE = 0.01 → PSNR = 10·log10(1 / 0.01) = 20 dB
        float[] a = random(3 * 32 * 32, 2);
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] + (i % 2 == 0 ? 0.1f : -0.1f);
        }
        assertEquals(20.0, Psnr.of(a, b, 1.0), 1e-5);
        // on [0, 255] with data range 255, off by ±5: 10·log10(255² / 25) = 20·log10(51)
        float[] c = new float[a.length];
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = 100 + (i % 7);
            d[i] = c[i] + (i % 3 == 0 ? 5 : -5);
        }
        assertEquals(20 * Math.log10(51), Psnr.of(c, d, 255), 1e-9);
    }

    @Test
    void gaussianNoiseOfKnownSigmaGivesTheExpectedPsnr() {
        // E[MSE] = σ²: with σ = 0.05 on a range of 1, PSNR ≈ 26.02 dB (1e6 samples: ±0.01 dB)
        SplittableRandom r = new SplittableRandom(7);
        int n = 1_000_000;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble();
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            double g = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
            b[i] = (float) (a[i] + 0.05 * g);
        }
        assertEquals(-20 * Math.log10(0.05), Psnr.of(a, b, 1.0), 0.02);
    }

    @Test
    void signedRangeMatchesTheUnitRange() {
        float[] a = random(3 * 8 * 8, 3);
        float[] b = random(3 * 8 * 8, 4);
        float[] sa = new float[a.length];
        float[] sb = new float[b.length];
        for (int i = 0; i < a.length; i++) {
            sa[i] = 2 * a[i] - 1;
            sb[i] = 2 * b[i] - 1;
        }
        double unit = Psnr.of(new ChwImage(3, 8, 8, a), new ChwImage(3, 8, 8, b), PixelRange.UNIT);
        double signed = Psnr.of(new ChwImage(3, 8, 8, sa), new ChwImage(3, 8, 8, sb), PixelRange.SIGNED);
        assertEquals(unit, signed, 1e-5);
        assertTrue(unit > 0 && unit < 20);
    }

    @Test
    void rejectsMismatchedInput() {
        assertThrows(IllegalArgumentException.class, () -> Psnr.of(new float[3], new float[4], 1));
        assertThrows(IllegalArgumentException.class, () -> Psnr.of(new float[3], new float[3], 0));
        assertThrows(IllegalArgumentException.class, () -> Psnr.of(new ChwImage(3, 2, 2, new float[12]),
                new ChwImage(1, 2, 2, new float[4]), PixelRange.UNIT));
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (0.1 + 0.8 * r.nextDouble());
        }
        return a;
    }
}
