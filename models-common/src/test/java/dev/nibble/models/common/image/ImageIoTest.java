package dev.nibble.models.common.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageIoTest {
    @TempDir
    Path dir;

    /** A 3 x 5 x 7 image whose values sit exactly on the 8-bit grid, so a PNG round trip is lossless. */
    private static ChwImage gridImage(PixelRange range) {
        int c = 3;
        int h = 5;
        int w = 7;
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = range.fromUnit(((i * 37) % 256) / 255f);
        }
        return new ChwImage(c, h, w, d);
    }

    @Test
    void signedRoundTripIsExact() throws IOException {
        ChwImage img = gridImage(PixelRange.SIGNED);
        Path file = dir.resolve("out/nested/img.png");
        ImageIo.writePng(img, PixelRange.SIGNED, file);
        ChwImage back = ImageIo.readRgb(file);
        assertEquals(5, back.height());
        assertEquals(7, back.width());
        assertArrayEquals(img.data(), back.data());
        // the resizing reader with the image's own size changes nothing
        assertArrayEquals(img.data(), ImageIo.readRgb(file, 7, 5).data());
    }

    @Test
    void unitRangeAndGreyWrite() throws IOException {
        ChwImage unit = gridImage(PixelRange.UNIT);
        Path file = dir.resolve("unit.png");
        ImageIo.writePng(unit, PixelRange.UNIT, file);
        ChwImage back = ImageIo.readRgb(file);
        for (int i = 0; i < unit.data().length; i++) {
            assertEquals(unit.data()[i], PixelRange.UNIT.toUnit(back.data()[i] / 2f + 0.5f), 1e-6f);
        }
        ChwImage grey = new ChwImage(1, 2, 2, new float[] {0f, 0.25f, 0.5f, 1f});
        Path g = dir.resolve("grey.png");
        ImageIo.writePng(grey, PixelRange.UNIT, g);
        ChwImage rgb = ImageIo.readRgb(g);
        assertEquals(3, rgb.channels());
        for (int i = 0; i < 4; i++) {
            assertEquals(rgb.data()[i], rgb.data()[4 + i]);
            assertEquals(rgb.data()[i], rgb.data()[8 + i]);
        }
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("img.png");
        Files.writeString(file, "old");
        ImageIo.writePng(gridImage(PixelRange.SIGNED), PixelRange.SIGNED, file);
        assertEquals(7, ImageIO.read(file.toFile()).getWidth());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "temporary files left behind");
        }
    }

    @Test
    void quantisationFollowsDiffusers() {
        assertEquals(128, ImageIo.toByte(0f, PixelRange.SIGNED)); // 0.5 * 255 = 127.5 rounds half to even
        assertEquals(0, ImageIo.toByte(-3f, PixelRange.SIGNED));
        assertEquals(255, ImageIo.toByte(1.5f, PixelRange.UNIT));
        assertEquals(0, ImageIo.toByte(Float.NaN, PixelRange.UNIT));
        assertEquals(2, ImageIo.toByte(2.5f / 255f, PixelRange.UNIT));
    }

    @Test
    void readsJpegAndResizes() throws IOException {
        BufferedImage src = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 40; x++) {
                src.setRGB(x, y, x < 20 ? 0xff0000 : 0x0000ff);
            }
        }
        Path jpg = dir.resolve("in.jpg");
        assertTrue(ImageIO.write(src, "jpeg", jpg.toFile()));
        ChwImage img = ImageIo.readRgb(jpg, 16, 8);
        assertEquals(3, img.channels());
        assertEquals(8, img.height());
        assertEquals(16, img.width());
        // left is red, right is blue, within JPEG and resampling error
        assertEquals(1f, img.get(0, 4, 1), 0.08f);
        assertEquals(-1f, img.get(2, 4, 1), 0.08f);
        assertEquals(-1f, img.get(0, 4, 14), 0.08f);
        assertEquals(1f, img.get(2, 4, 14), 0.08f);
        for (float v : img.data()) {
            assertTrue(v >= -1f && v <= 1f);
        }
        Tensor t = img.toTensor();
        assertEquals(Shape.of(1, 3, 8, 16), t.shape());
        assertArrayEquals(img.data(), ChwImage.fromTensor(t, 0).data());
    }

    @Test
    void missingCorruptAndNonImageFilesNameTheFile() throws IOException {
        Path missing = dir.resolve("nope.png");
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageIo.readRgb(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(missing, e.file());

        Path text = dir.resolve("notes.png");
        Files.writeString(text, "definitely not a png");
        e = assertThrows(InvalidImageException.class, () -> ImageIo.readRgb(text, 8, 8));
        assertTrue(e.getMessage().contains(text.toString()), e.getMessage());

        Path good = dir.resolve("good.png");
        ImageIo.writePng(gridImage(PixelRange.SIGNED), PixelRange.SIGNED, good);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        e = assertThrows(InvalidImageException.class, () -> ImageIo.readRgb(truncated));
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());

        assertThrows(InvalidImageException.class, () -> ImageIo.readRgb(dir));
        assertThrows(IllegalArgumentException.class,
                () -> ImageIo.encodePng(new ChwImage(2, 1, 1, new float[2]), PixelRange.UNIT));
    }
}
