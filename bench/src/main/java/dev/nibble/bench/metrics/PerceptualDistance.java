package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

/** A learned image distance such as LPIPS: 0 for identical images, larger for perceptually farther ones. */
public interface PerceptualDistance extends AutoCloseable {
    /** "LPIPS (AlexNet)" etc. */
    String name();

    /** The distance between two RGB images of the same size whose values are in {@code range}. */
    double distance(ChwImage a, ChwImage b, PixelRange range);

    @Override
    default void close() {
    }
}
