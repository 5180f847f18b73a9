package dev.nibble.bench.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of the SVDQuant paper's tables that Nibble cannot compute yet, with the reason: each needs a
 * large network (and its weights) that has no implementation on the engine. (FID, LPIPS and the CLIP score
 * are computed when the user supplies their networks' weights: {@link FidInception}, {@link Lpips},
 * {@link ClipScore}.)
 */
public final class NotSupported {
    private NotSupported() {
    }

    public static final String IMAGE_REWARD = "ImageReward: not yet supported (needs the BLIP-based reward model)";

    /** Metric name → reason, in the order of the paper's tables. */
    public static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ImageReward", IMAGE_REWARD);
        return m;
    }
}
