package dev.nibble.bench.metrics.imagereward;

import dev.nibble.models.common.clip.ClipImageProcessor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageIo;
import dev.nibble.models.common.image.ImageResampler;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.image.ResizeFilter;

/**
 * ImageReward's image transform, {@code Compose(Resize(n, BICUBIC), CenterCrop(n), convert("RGB"), ToTensor(),
 * Normalize(CLIP mean, CLIP std))} applied to a PIL image, reproduced exactly:
 *
 * <ol>
 *   <li>the float image becomes the 8-bit image a PNG of it holds (clamped to [0, 1], round(x·255) half to
 *       even: Nibble's {@code ImageIo} rule), which is what the reference package opens;</li>
 *   <li>the shorter side is resized to n and the longer to {@code int(n · long / short)} with Pillow's 8-bit
 *       bicubic ({@link ImageResampler#resize8}, bit-exact with Pillow);</li>
 *   <li>the centre n×n is cut at {@code round((size − n) / 2)} (Python's round: half to even);</li>
 *   <li>bytes become {@code b / 255} and then {@code (x − mean) / std}, in float32.</li>
 * </ol>
 */
final class ImagePreprocessor {
    /** OpenAI CLIP's normalisation, which ImageReward uses. */
    static final float[] MEAN = ClipImageProcessor.MEAN;
    static final float[] STD = ClipImageProcessor.STD;

    private final int size;

    ImagePreprocessor(int size) {
        this.size = size;
    }

    /** The normalised [3, n, n] pixels of one RGB image. */
    float[] apply(ChwImage image, PixelRange range) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("ImageReward scores RGB images, got " + image.channels() + " channels");
        }
        int h = image.height();
        int w = image.width();
        int[] bytes = toBytes(image.data(), range);
        int newH;
        int newW;
        if (w <= h) {
            newW = size;
            newH = (int) ((double) size * h / w);
        } else {
            newH = size;
            newW = (int) ((double) size * w / h);
        }
        if (newH != h || newW != w) {
            bytes = ImageResampler.resize8(bytes, 3, h, w, newW, newH, ResizeFilter.BICUBIC);
        }
        if (newH < size || newW < size) {
            throw new IllegalStateException("resized image " + newW + "x" + newH + " is smaller than the crop " + size);
        }
        int top = (int) Math.rint((newH - size) / 2.0);
        int left = (int) Math.rint((newW - size) / 2.0);
        float[] out = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                int src = (c * newH + top + y) * newW + left;
                int dst = (c * size + y) * size;
                for (int x = 0; x < size; x++) {
                    out[dst + x] = (bytes[src + x] / 255f - MEAN[c]) / STD[c];
                }
            }
        }
        return out;
    }

    /** The 8-bit values a PNG written by Nibble would hold ({@link ImageIo#toByte}). */
    static int[] toBytes(float[] data, PixelRange range) {
        int[] out = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = ImageIo.toByte(data[i], range);
        }
        return out;
    }
}
