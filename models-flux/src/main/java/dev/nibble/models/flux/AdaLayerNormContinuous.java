package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/**
 * diffusers' AdaLayerNormContinuous ({@code norm_out}, elementwise_affine=False, eps 1e-6):
 * linear(silu(temb)) chunked into scale then shift — the reverse of AdaLayerNormZero's order.
 */
final class AdaLayerNormContinuous {
    private AdaLayerNormContinuous() {
    }

    static Value forward(GraphBuilder g, Weights w, String name, Value x, Value temb) {
        try (var s = g.scope(name)) {
            Value emb = Layers.linear(g, w.under(name), "linear", g.unary(UnaryFn.SILU, temb));
            List<Value> c = g.chunk(emb, 2, 1);
            Value normed = Layers.layerNormNoAffine(g, "norm", x, AdaLayerNormZero.EPS);
            return g.op(new Modulate(), "modulate", normed, c.get(0), c.get(1));
        }
    }
}
