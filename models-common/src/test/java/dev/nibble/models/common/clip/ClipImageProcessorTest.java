package dev.nibble.models.common.clip;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.ImageResampler;
import dev.nibble.models.common.image.PixelRange;
import dev.nibble.models.common.image.ResizeFilter;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * CLIPImageProcessor's steps against hand-computed expectations and Pillow's own numbers (the bench's
 * ClipScoreTest compares the whole preprocessing with a Pillow-based reference on larger images).
 */
class ClipImageProcessorTest {

    /** A 3x5x7 test pattern, (37c + 11y + 29x + 13xy) mod 256. */
    static int[] pattern() {
        int[] p = new int[3 * 5 * 7];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    p[(c * 5 + y) * 7 + x] = (c * 37 + y * 11 + x * 29 + x * y * 13) % 256;
                }
            }
        }
        return p;
    }

    @Test
    void resize8IsPillowsBicubicBitForBit() {
        // np.array(Image.fromarray(hwc).resize((W, H), resample=Image.BICUBIC)) with Pillow 9.4, channel-major
        int[] down = {18, 73, 146, 137, 44, 145, 178, 94, 76, 163, 107, 121, 54, 115, 162, 121, 83, 166, 100, 100, 118,
            163, 109, 166, 91, 152, 198, 163, 126, 161, 94, 113, 151, 121, 122, 72};
        assertArrayEquals(down, ImageResampler.resize8(pattern(), 3, 5, 7, 4, 3, ResizeFilter.BICUBIC));
        int[] wideFlat = {9, 50, 90, 138, 171, 149, 91, 35, 104, 174, 155, 119, 127, 101, 46, 87, 127, 167, 146, 80, 128,
            72, 141, 211, 86, 94, 157, 138, 83, 124, 172, 143, 183, 125, 158, 109, 178, 159, 62, 131, 105, 68};
        assertArrayEquals(wideFlat, ImageResampler.resize8(pattern(), 3, 5, 7, 7, 2, ResizeFilter.BICUBIC));
        int[] up = ImageResampler.resize8(pattern(), 3, 5, 7, 9, 6, ResizeFilter.BICUBIC);
        assertArrayEquals(new int[] {0, 17, 41, 63, 85, 108, 129, 156, 181}, Arrays.copyOfRange(up, 0, 9), "row 0");
        assertArrayEquals(new int[] {98, 136, 209, 199, 8, 48, 127, 149, 106}, Arrays.copyOfRange(up, 9 * 6 * 2 + 9 * 3, 9 * 6 * 2 + 9 * 4),
                "channel 2, row 3");
        assertEquals(255, Arrays.stream(up).max().getAsInt(), "overshoot is clamped");
        assertArrayEquals(pattern(), ImageResampler.resize8(pattern(), 3, 5, 7, 7, 5, ResizeFilter.BICUBIC));
    }

    @Test
    void shortestEdgeBecomesTheImageSizeAndTheLongOneIsTruncated() {
        assertArrayEquals(new int[] {30, 40}, ClipImageProcessor.resizedSize(45, 61, 30));
        assertArrayEquals(new int[] {30, 40}, ClipImageProcessor.resizedSize(20, 27, 30), "int(40.5)");
        assertArrayEquals(new int[] {38, 30}, ClipImageProcessor.resizedSize(64, 50, 30));
        assertArrayEquals(new int[] {224, 298}, ClipImageProcessor.resizedSize(480, 640, 224));
        assertArrayEquals(new int[] {224, 224}, ClipImageProcessor.resizedSize(1024, 1024, 224));
    }

    @Test
    void aConstantImageBecomesTheNormalisedConstantAndTheCropIsCentred() {
        int h = 40;
        int w = 23;
        float[] d = new float[3 * h * w];
        Arrays.fill(d, 0, h * w, 200 / 255f);
        Arrays.fill(d, h * w, 2 * h * w, 17 / 255f);
        Arrays.fill(d, 2 * h * w, d.length, 1f);
        ClipImageProcessor p = new ClipImageProcessor(16);
        Tensor t = p.pixelValues(List.of(new ChwImage(3, h, w, d)), PixelRange.UNIT);
        assertEquals(List.of(1, 3, 16, 16), Arrays.stream(t.shape().toArray()).boxed().toList());
        float[] v = t.toFloatArray();
        int[] k = {200, 17, 255};
        for (int c = 0; c < 3; c++) {
            float x = (float) (k[c] * (1.0 / 255));
            float want = (x - ClipImageProcessor.MEAN[c]) / ClipImageProcessor.STD[c];
            for (int i = 0; i < 256; i++) {
                assertEquals(want, v[c * 256 + i], 0f, "channel " + c);
            }
        }

        // a vertical ramp: resized to 16 wide x int(16·40/23) = 27 high, the crop keeps rows 5..20
        ClipImageProcessor.Bytes ramp = new ClipImageProcessor.Bytes(27, 16, new int[3 * 27 * 16]);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 27; y++) {
                Arrays.fill(ramp.data(), (c * 27 + y) * 16, (c * 27 + y + 1) * 16, y);
            }
        }
        ClipImageProcessor.Bytes crop = p.centerCrop(ramp);
        assertEquals(5, crop.data()[0]);
        assertEquals(20, crop.data()[15 * 16]);
    }

    @Test
    void pixelsAreRoundedTo8BitsFromEitherRange() {
        float[] signed = {-1f, -0.99f, 0f, 0.999f, 1.5f, -3f};
        ChwImage img = new ChwImage(3, 1, 2, signed);
        assertArrayEquals(new int[] {0, 1, 128, 255, 255, 0}, ClipImageProcessor.toBytes(img, PixelRange.SIGNED).data());
        assertThrows(IllegalArgumentException.class,
                () -> ClipImageProcessor.toBytes(new ChwImage(1, 2, 2, new float[4]), PixelRange.UNIT));
    }
}
