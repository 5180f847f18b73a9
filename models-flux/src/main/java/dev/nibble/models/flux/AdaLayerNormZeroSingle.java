package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/**
 * diffusers' AdaLayerNormZeroSingle (norm of a single-stream block): linear(silu(temb)) chunked into
 * shift, scale, gate; x → LayerNorm(x)·(1+scale)+shift.
 */
final class AdaLayerNormZeroSingle {
    record Out(Value x, Value gate) {}

    private AdaLayerNormZeroSingle() {
    }

    static Out forward(GraphBuilder g, Weights w, String name, Value x, Value temb) {
        try (var s = g.scope(name)) {
            Value emb = Layers.linear(g, w.under(name), "linear", g.unary(UnaryFn.SILU, temb));
            List<Value> c = g.chunk(emb, 3, 1);
            Value normed = Layers.layerNormNoAffine(g, "norm", x, AdaLayerNormZero.EPS);
            return new Out(g.op(new Modulate(), "modulate", normed, c.get(1), c.get(0)), c.get(2));
        }
    }
}
