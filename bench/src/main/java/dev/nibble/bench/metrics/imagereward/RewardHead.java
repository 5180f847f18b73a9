package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/**
 * ImageReward's {@code MLP}: {@code nn.Sequential(Linear, Dropout, Linear, Dropout, Linear, Dropout, Linear,
 * Linear)} — the ReLUs are commented out in the reference, and dropout is the identity at inference — so five
 * linear layers in a row at Sequential indices 0, 2, 4, 6 and 7 ({@code mlp.layers.N.weight/bias}).
 */
final class RewardHead {
    /** Sequential indices of the linear layers. */
    static final int[] LAYERS = {0, 2, 4, 6, 7};

    private RewardHead() {
    }

    /** features [B, hidden] → raw reward [B, 1]. */
    static Value forward(GraphBuilder g, Weights mlp, Value features, List<Integer> sizes) {
        Value x = features;
        for (int i = 0; i < LAYERS.length; i++) {
            x = StrictParams.linear(g, mlp, "layers." + LAYERS[i], x, sizes.get(i));
        }
        return x;
    }
}
