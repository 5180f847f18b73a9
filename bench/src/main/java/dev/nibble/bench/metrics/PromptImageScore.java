package dev.nibble.bench.metrics;

import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

import java.util.List;

/**
 * A metric of an image against the prompt it was generated from (CLIP score, ImageReward). It compares no
 * two images, so an evaluation scores the reference set and the quantised set alike.
 */
public interface PromptImageScore extends AutoCloseable {
    /** The metric's name: the table column and the JSON key ("CLIP score", "ImageReward"). */
    String metric();

    /** What the number means, in one line for a report's footnote. */
    String definition();

    /** The model behind it, in one line for a report's footnote. */
    String describe();

    /** One score per image, each against the prompt at the same index. */
    double[] scores(List<ChwImage> images, List<String> prompts, PixelRange range);

    @Override
    void close();
}
