package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.ImageResampler;
import dev.nibble.models.common.image.InvalidImageException;
import dev.nibble.models.common.image.ResizeFilter;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Input images for image-to-image and sketch-to-image, as the pipelines take them: (3, H, W) in [0, 1]. */
public final class InputImages {
    /** Posterisation levels per channel for sketches. */
    static final int SKETCH_LEVELS = 8;

    private InputImages() {
    }

    /**
     * An image file resized to width x height (Lanczos, diffusers' default) in [0, 1]. A missing, unreadable
     * or corrupt file is a {@link BadInputException} naming it.
     */
    public static ChwImage readImage(Path file, int width, int height) {
        ChwImage signed;
        try {
            signed = ImageIo.readRgb(file, width, height);
        } catch (InvalidImageException e) {
            throw new BadInputException("--image " + e.getMessage(), e);
        }
        float[] d = signed.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, d[i] / 2f + 0.5f));
        }
        return new ChwImage(3, height, width, out);
    }

    /** {@link #cleanSketch(BufferedImage, int, int)} of an image file; bad files are {@link BadInputException}s. */
    public static ChwImage readSketch(Path file, int width, int height) {
        if (!Files.exists(file)) {
            throw new BadInputException("--sketch " + file + ": image file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--sketch " + file + ": not a regular file");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("--sketch " + file + ": corrupt or unreadable image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new BadInputException("--sketch " + file + ": not a supported image format (expected PNG or JPEG)");
        }
        return cleanSketch(img, width, height);
    }

    /**
     * A hand-drawn sketch made into an image-to-image input: transparent pixels flattened onto white (a
     * canvas drawing is usually strokes on a transparent background), resized to width x height (Lanczos,
     * which averages when shrinking), a light 3x3 binomial blur that softens hard strokes and aliasing,
     * then posterised to {@value #SKETCH_LEVELS} levels per channel so that stroke noise and
     * anti-aliasing fringes collapse into flat colour regions. Returns (3, H, W) in [0, 1].
     */
    public static ChwImage cleanSketch(BufferedImage img, int width, int height) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        int plane = w * h;
        float[] rgb = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            float a = ((p >>> 24) & 0xff) / 255f;
            for (int c = 0; c < 3; c++) {
                float v = ((p >> (16 - 8 * c)) & 0xff) / 255f;
                rgb[c * plane + i] = a * v + (1f - a); // over white
            }
        }
        ChwImage resized = ImageResampler.resize(new ChwImage(3, h, w, rgb), width, height, ResizeFilter.LANCZOS3);
        float[] blurred = blur3(resized.data(), width, height);
        float step = 1f / (SKETCH_LEVELS - 1);
        for (int i = 0; i < blurred.length; i++) {
            float v = Math.min(1f, Math.max(0f, blurred[i]));
            blurred[i] = Math.round(v / step) * step;
        }
        return new ChwImage(3, height, width, blurred);
    }

    /** Separable [1 2 1]/4 blur with edge clamping, per channel. */
    private static float[] blur3(float[] src, int w, int h) {
        float[] mid = new float[src.length];
        float[] out = new float[src.length];
        int plane = w * h;
        for (int c = 0; c < 3; c++) {
            int o = c * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float l = src[o + y * w + Math.max(0, x - 1)];
                    float r = src[o + y * w + Math.min(w - 1, x + 1)];
                    mid[o + y * w + x] = (l + 2f * src[o + y * w + x] + r) / 4f;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float u = mid[o + Math.max(0, y - 1) * w + x];
                    float d = mid[o + Math.min(h - 1, y + 1) * w + x];
                    out[o + y * w + x] = (u + 2f * mid[o + y * w + x] + d) / 4f;
                }
            }
        }
        return out;
    }
}
