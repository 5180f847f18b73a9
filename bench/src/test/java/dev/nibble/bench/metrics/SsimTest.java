package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SsimTest {
    @Test
    void identicalImagesHaveSsimOne() {
        float[] a = PsnrTest.random(3 * 24 * 20, 1);
        assertEquals(1.0, Ssim.of(a, a.clone(), 3, 24, 20, 1.0), 1e-12);
    }

    @Test
    void constantImagesReduceToTheLuminanceTerm() {
        // no variance anywhere: SSIM = (2·μx·μy + C1) / (μx² + μy² + C1), the contrast/structure term is C2/C2
        int h = 16;
        int w = 16;
        float[] a = new float[h * w];
        float[] b = new float[h * w];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.6f);
        double c1 = Math.pow(0.01, 2);
        double ux = 0.5;
        double uy = (double) 0.6f;
        double expected = (2 * ux * uy + c1) / (ux * ux + uy * uy + c1);
        assertEquals(expected, Ssim.of(a, b, 1, h, w, 1.0), 1e-9);
    }

    @Test
    void matchesADirectTwoDimensionalWindow() {
        // the separable "valid" filter against a plain 11x11 Gaussian window at every valid position
        int h = 15;
        int w = 13;
        float[] a = PsnrTest.random(h * w, 5);
        float[] b = PsnrTest.random(h * w, 6);
        double[] g = new double[11];
        double total = 0;
        for (int i = 0; i < 11; i++) {
            g[i] = Math.exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
            total += g[i];
        }
        double c1 = Math.pow(0.01 * 255, 2);
        double c2 = Math.pow(0.03 * 255, 2);
        double sum = 0;
        int count = 0;
        for (int y = 0; y + 11 <= h; y++) {
            for (int x = 0; x + 11 <= w; x++) {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int dy = 0; dy < 11; dy++) {
                    for (int dx = 0; dx < 11; dx++) {
                        double wt = g[dy] * g[dx] / (total * total);
                        double p = 255.0 * a[(y + dy) * w + x + dx];
                        double q = 255.0 * b[(y + dy) * w + x + dx];
                        mx += wt * p;
                        my += wt * q;
                        sxx += wt * p * p;
                        syy += wt * q * q;
                        sxy += wt * p * q;
                    }
                }
                double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
                sum += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count++;
            }
        }
        float[] a255 = new float[a.length];
        float[] b255 = new float[b.length];
        for (int i = 0; i < a.length; i++) {
            a255[i] = 255f * a[i];
            b255[i] = 255f * b[i];
        }
        assertEquals(sum / count, Ssim.of(a255, b255, 1, h, w, 255), 1e-6);
        // the data range is what makes [0, 1] and [0, 255] agree
        assertEquals(Ssim.of(a, b, 1, h, w, 1.0), Ssim.of(a255, b255, 1, h, w, 255), 1e-4);
    }

    @Test
    void averagesChannelsAndIsSymmetric() {
        int h = 12;
        int w = 12;
        float[] a = PsnrTest.random(2 * h * w, 7);
        float[] b = a.clone();
        for (int i = h * w; i < b.length; i++) {
            b[i] = 1 - b[i]; // second channel inverted: negative structure
        }
        double first = Ssim.of(Arrays.copyOf(a, h * w), Arrays.copyOf(b, h * w), 1, h, w, 1.0);
        double second = Ssim.of(Arrays.copyOfRange(a, h * w, 2 * h * w), Arrays.copyOfRange(b, h * w, 2 * h * w), 1, h, w, 1.0);
        assertEquals(1.0, first, 1e-12);
        assertTrue(second < 0, "inverted structure gives a negative SSIM: " + second);
        assertEquals((first + second) / 2, Ssim.of(a, b, 2, h, w, 1.0), 1e-12);
        assertEquals(Ssim.of(a, b, 2, h, w, 1.0), Ssim.of(b, a, 2, h, w, 1.0), 1e-12);
    }

    @Test
    void noiseLowersSsimMonotonically() {
        int h = 32;
        int w = 32;
        float[] a = PsnrTest.random(3 * h * w, 8);
        double previous = 1.0;
        for (double sigma : new double[] {0.01, 0.05, 0.2}) {
            float[] b = a.clone();
            java.util.SplittableRandom r = new java.util.SplittableRandom(9);
            for (int i = 0; i < b.length; i++) {
                b[i] += (float) (sigma * (2 * r.nextDouble() - 1));
            }
            double s = Ssim.of(new ChwImage(3, h, w, a), new ChwImage(3, h, w, b), PixelRange.UNIT);
            assertTrue(s < previous, "SSIM must fall as noise grows: " + s + " after " + previous);
            previous = s;
        }
    }

    @Test
    void windowIsANormalisedElevenTapGaussian() {
        double[] g = Ssim.gaussian(11, 1.5);
        assertEquals(11, g.length);
        assertEquals(1.0, Arrays.stream(g).sum(), 1e-15);
        for (int i = 0; i < 5; i++) {
            assertEquals(g[i], g[10 - i], 1e-18);
            assertTrue(g[i] < g[i + 1]);
        }
    }

    @Test
    void rejectsImagesSmallerThanTheWindow() {
        assertThrows(IllegalArgumentException.class, () -> Ssim.of(new float[10 * 10], new float[10 * 10], 1, 10, 10, 1));
    }
}
