package dev.nibble.bench.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of the SVDQuant paper's tables that Nibble cannot compute yet, with the reason: each needs a
 * large network (and its weights) that has no implementation on the engine. (FID and LPIPS are computed
 * when the user supplies their networks' weights: {@link FidInception}, {@link Lpips}.)
 */
public final class NotSupported {
    private NotSupported() {
    }

    public static final String IMAGE_REWARD = "ImageReward: not yet supported (needs the BLIP-based reward model)";
    public static final String CLIP_SCORE = "CLIP score: not yet supported (needs a CLIP ViT-L/14 image tower)";

    /** Metric name → reason, in the order of the paper's tables. */
    public static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ImageReward", IMAGE_REWARD);
        m.put("CLIP score", CLIP_SCORE);
        return m;
    }
}
