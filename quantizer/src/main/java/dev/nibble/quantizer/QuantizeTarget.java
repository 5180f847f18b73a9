package dev.nibble.quantizer;

import java.util.Set;

/**
 * Which linear layers of a model family are stored W4A4: matched against diffusers state-dict names
 * (module path P of a rank-2 tensor {@code P.weight}) inside the listed component folders. Everything
 * else is copied unchanged.
 */
public interface QuantizeTarget {
    /** Family name for reports ("flux", "sdxl"). */
    String name();

    /** Component folders holding the quantised layers ("transformer", "unet"). */
    Set<String> components();

    /** Whether the linear layer at {@code modulePath} of {@code component} becomes SVDQ W4A4. */
    boolean quantize(String component, String modulePath);
}
