package dev.nibble.models.common.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

class VaeImageProcessorTest {

    @Test
    void normalizeMapsUnitRangeToVaeRange() {
        Tensor images = Tensor.ofFloats(Shape.of(1, 1, 1, 3), 0f, 0.25f, 1f);
        Tensor n = VaeImageProcessor.normalize(images);
        assertEquals(images.shape(), n.shape());
        assertArrayEquals(new float[] {-1f, -0.5f, 1f}, n.toFloatArray());
        assertArrayEquals(new float[] {0f, 0.25f, 1f}, images.toFloatArray(), "the input is left alone");
    }

    @Test
    void postprocessClampsAndMovesChannelsLast() {
        // [1, 2, 1, 2]: channel 0 = (-3, 0), channel 1 = (0.5, 3)
        Tensor decoded = Tensor.ofFloats(Shape.of(1, 2, 1, 2), -3f, 0f, 0.5f, 3f);
        Tensor image = VaeImageProcessor.postprocess(decoded);
        assertEquals(Shape.of(1, 1, 2, 2), image.shape());
        assertArrayEquals(new float[] {0f, 0.75f, 0.5f, 1f}, image.toFloatArray());
    }

    @Test
    void postprocessWantsBatchedImages() {
        Tensor chw = Tensor.ofFloats(Shape.of(3, 1, 1), 0f, 0f, 0f);
        assertThrows(IllegalArgumentException.class, () -> VaeImageProcessor.postprocess(chw));
    }
}
