package dev.nibble.models.common.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Conversions between float CHW images and image files, following diffusers' VaeImageProcessor: inputs
 * become RGB floats x / 255 mapped to [-1, 1]; outputs are clamped to [0, 1] and stored as
 * round(x * 255) (half to even, like numpy) in 8-bit PNG.
 */
public final class ImageIo {
    private ImageIo() {
    }

    /**
     * Reads a PNG/JPEG (anything javax.imageio decodes) as RGB in [-1, 1], resized to width x height with
     * {@link ResizeFilter#LANCZOS3} (diffusers' default) when its size differs. Alpha is dropped, grey and
     * palette images are expanded to RGB.
     *
     * @throws InvalidImageException if the file is missing, not an image, or corrupt
     */
    public static ChwImage readRgb(Path file, int width, int height) {
        ChwImage unit = ImageResampler.resize(readUnitRgb(file), width, height, ResizeFilter.LANCZOS3);
        // Resampling can overshoot (Lanczos rings); clamp as an 8-bit resize would, then map to [-1, 1].
        float[] d = unit.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = PixelRange.SIGNED.fromUnit(Math.min(1f, Math.max(0f, d[i])));
        }
        return new ChwImage(3, height, width, out);
    }

    /** Reads an image at its own size as RGB in [-1, 1]; see {@link #readRgb(Path, int, int)}. */
    public static ChwImage readRgb(Path file) {
        ChwImage unit = readUnitRgb(file);
        float[] d = unit.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = PixelRange.SIGNED.fromUnit(d[i]);
        }
        return unit;
    }

    private static ChwImage readUnitRgb(Path file) {
        BufferedImage img = decode(file);
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] out = new float[3 * h * w];
        int plane = h * w;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            out[i] = ((p >> 16) & 0xff) / 255f;
            out[plane + i] = ((p >> 8) & 0xff) / 255f;
            out[2 * plane + i] = (p & 0xff) / 255f;
        }
        return new ChwImage(3, h, w, out);
    }

    private static BufferedImage decode(Path file) {
        if (!Files.exists(file)) {
            throw new InvalidImageException(file, "image file not found", null);
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidImageException(file, "not a regular file", null);
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            // ImageIO reports truncated or malformed data both as IIOException and as runtime exceptions
            throw new InvalidImageException(file, "corrupt or unreadable image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new InvalidImageException(file, "not a supported image format (expected PNG or JPEG)", null);
        }
        return img;
    }

    /** An 8-bit RGB (3 channels) or grey (1 channel) image of {@code image} interpreted in {@code range}. */
    public static BufferedImage toBufferedImage(ChwImage image, PixelRange range) {
        int c = image.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("can only store 1 or 3 channels, got " + c);
        }
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        float[] d = image.data();
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int r = toByte(d[i], range);
            int g = c == 3 ? toByte(d[plane + i], range) : r;
            int b = c == 3 ? toByte(d[2 * plane + i], range) : r;
            rgb[i] = (r << 16) | (g << 8) | b;
        }
        BufferedImage out = new BufferedImage(w, h, c == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    /** diffusers' postprocess: clamp to [0, 1], then round(x * 255) half to even; NaN becomes 0. */
    public static int toByte(float v, PixelRange range) {
        float u = range.toUnit(v);
        if (!(u > 0f)) {
            return 0;
        }
        if (u >= 1f) {
            return 255;
        }
        return (int) Math.rint(u * 255f);
    }

    /** PNG bytes of {@code image}. */
    public static byte[] encodePng(ChwImage image, PixelRange range) {
        BufferedImage img = toBufferedImage(image, range);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // An in-memory stream: ImageIO would otherwise buffer through a temporary file.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Writes {@code image} as PNG. The bytes go to a temporary file in the same directory that is then
     * renamed over {@code file}, so readers never see a half-written image. Missing parent directories are
     * created.
     */
    public static void writePng(ChwImage image, PixelRange range, Path file) throws IOException {
        byte[] png = encodePng(image, range);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, png);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
