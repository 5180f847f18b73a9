package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/** CLIPEncoder: num_hidden_layers {@link ClipEncoderLayer}s under {@code encoder.layers.N}. */
final class ClipEncoder {
    private ClipEncoder() {
    }

    /**
     * @param w      the tower's weights (names {@code encoder.layers.N.*} below it)
     * @param mask   additive padding mask [B, 1, 1, L] or null
     * @param hidden when not null, receives transformers' hidden_states: the input of every layer, then
     *               the last layer's output
     * @return the last layer's output
     */
    static Value forward(GraphBuilder g, Weights w, Value h, Value mask, ClipEncoderConfig cfg, List<Value> hidden) {
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            if (hidden != null) {
                hidden.add(h);
            }
            String name = "encoder.layers." + i;
            try (var e = g.scope(name)) {
                h = ClipEncoderLayer.forward(g, w.under(name), h, mask, cfg);
            }
        }
        if (hidden != null) {
            hidden.add(h);
        }
        return h;
    }

    /**
     * Fails naming the first missing bias of the encoder's linear layers (all of CLIP's have one): the
     * shared linear helper treats an absent bias as a bias-free layer, which for CLIP would mean a
     * checkpoint with a tensor missing. SVDQ layers ({@code qweight}) keep their optional bias.
     *
     * @param w the tower's weights (names {@code encoder.layers.N.*} below it)
     */
    static void requireBiases(Weights w, ClipEncoderConfig cfg) {
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            for (String layer : LINEARS) {
                String path = "encoder.layers." + i + "." + layer;
                if (!w.contains(path + ".qweight")) {
                    w.get(path + ".bias");
                }
            }
        }
    }

    private static final String[] LINEARS = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
        "self_attn.out_proj", "mlp.fc1", "mlp.fc2"};
}
