package dev.nibble.models.common.clip;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageResampler;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.image.ResizeFilter;

import java.util.List;

/**
 * transformers' CLIPImageProcessor with the settings of the openai CLIP checkpoints
 * ({@code preprocessor_config.json} of openai/clip-vit-large-patch14): the image as 8-bit RGB, resized so
 * that its shorter side is {@code image_size} with Pillow's BICUBIC (in 8 bits, as Pillow does it:
 * {@link ImageResampler#resize8}; the longer side becomes {@code int(image_size · long / short)}), centre
 * cropped to image_size², rescaled by 1/255 and normalised with CLIP's mean and std per channel.
 *
 * <p>This is the PIL backend: transformers 4.x's CLIPImageProcessor, {@code CLIPImageProcessorPil} in 5.x (bit for
 * bit against 5.18). transformers 5 uses its torchvision backend instead when torchvision is installed, whose
 * antialiased bicubic differs from Pillow's by about one 8-bit level when downscaling, more when upscaling.
 */
public final class ClipImageProcessor {
    /** OPENAI_CLIP_MEAN. */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** OPENAI_CLIP_STD. */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;

    /** @param imageSize the vision config's image_size: shortest edge after resizing, and the crop's side */
    public ClipImageProcessor(int imageSize) {
        if (imageSize < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        }
        this.size = imageSize;
    }

    public int imageSize() {
        return size;
    }

    /** pixel_values [N, 3, S, S] for the vision tower. */
    public Tensor pixelValues(List<ChwImage> images, PixelRange range) {
        int plane = 3 * size * size;
        float[] out = new float[images.size() * plane];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(preprocess(images.get(i), range), 0, out, i * plane, plane);
        }
        return Tensor.ofFloats(Shape.of(images.size(), 3, size, size), out);
    }

    /** One image as [3, S, S] normalised values. */
    public float[] preprocess(ChwImage image, PixelRange range) {
        return normalize(centerCrop(resize(toBytes(image, range))));
    }

    /**
     * The image's 8-bit values: each float in [0, 1] (after {@code range}) clamped and rounded to k/255, so
     * images read from 8-bit files come back exactly. The reference processes 8-bit images.
     */
    static Bytes toBytes(ChwImage image, PixelRange range) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("CLIP needs RGB images, got " + image.channels() + " channels");
        }
        float[] d = image.data();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            float u = range == PixelRange.SIGNED ? d[i] / 2f + 0.5f : d[i];
            double v = Math.rint(Math.min(Math.max(u, 0f), 1f) * 255.0);
            out[i] = (int) v;
        }
        return new Bytes(image.height(), image.width(), out);
    }

    /** Shortest edge to {@code size} (get_resize_output_image_size with default_to_square=False), Pillow BICUBIC. */
    Bytes resize(Bytes in) {
        int[] hw = resizedSize(in.height(), in.width(), size);
        int[] out = ImageResampler.resize8(in.data(), 3, in.height(), in.width(), hw[1], hw[0], ResizeFilter.BICUBIC);
        return new Bytes(hw[0], hw[1], out);
    }

    /** (height, width) with the shorter side {@code shortest} and the longer {@code int(shortest · long / short)}. */
    static int[] resizedSize(int height, int width, int shortest) {
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        int newLong = (int) ((double) ((long) shortest * longSide) / shortSide);
        return height <= width ? new int[] {shortest, newLong} : new int[] {newLong, shortest};
    }

    /** The centre size² window: offsets (H − S) // 2 and (W − S) // 2 (the resized image is never smaller). */
    Bytes centerCrop(Bytes in) {
        int top = Math.floorDiv(in.height() - size, 2);
        int left = Math.floorDiv(in.width() - size, 2);
        if (top < 0 || left < 0) {
            throw new IllegalStateException("resized image " + in.height() + "x" + in.width() + " is smaller than the crop " + size);
        }
        int[] out = new int[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(in.data(), (c * in.height() + top + y) * in.width() + left, out, (c * size + y) * size, size);
            }
        }
        return new Bytes(size, size, out);
    }

    /** rescale (float64 · 1/255, stored as float32), then (x − mean) / std in float32, as the reference. */
    static float[] normalize(Bytes in) {
        int plane = in.height() * in.width();
        float[] out = new float[in.data().length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                float x = (float) (in.data()[c * plane + i] * (1.0 / 255));
                out[c * plane + i] = (x - MEAN[c]) / STD[c];
            }
        }
        return out;
    }

    /** An 8-bit RGB image, planar [3, H, W]. */
    record Bytes(int height, int width, int[] data) {
    }
}
