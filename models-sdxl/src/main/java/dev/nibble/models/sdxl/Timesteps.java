package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;

/**
 * diffusers' Timesteps module (time_proj, add_time_proj): the sinusoidal get_timestep_embedding with
 * scale 1 and max_period 10000. No parameters.
 */
final class Timesteps {
    static final int MAX_PERIOD = 10000;

    private Timesteps() {
    }

    /** t [N] → [N, numChannels]. */
    static Value forward(GraphBuilder g, String name, Value t, int numChannels, boolean flipSinToCos,
                         float downscaleFreqShift) {
        return g.op(new dev.nibble.engine.ops.TimestepEmbedding(numChannels, flipSinToCos, downscaleFreqShift, 1f,
                MAX_PERIOD), name, t);
    }
}
