package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.util.List;

/**
 * diffusers' AdaLayerNormZero (norm1, norm1_context of a double-stream block): linear(silu(temb)) chunked
 * into shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp; x → LayerNorm(x)·(1+scale_msa)+shift_msa.
 */
final class AdaLayerNormZero {
    static final float EPS = 1e-6f;

    /** The modulated input and the four modulation vectors [B, D] the block uses later. */
    record Out(Value x, Value gateMsa, Value shiftMlp, Value scaleMlp, Value gateMlp) {}

    private AdaLayerNormZero() {
    }

    static Out forward(GraphBuilder g, Weights w, String name, Value x, Value temb) {
        try (var s = g.scope(name)) {
            Value emb = Layers.linear(g, w.under(name), "linear", g.unary(UnaryFn.SILU, temb));
            List<Value> c = g.chunk(emb, 6, 1);
            Value normed = Layers.layerNormNoAffine(g, "norm", x, EPS);
            Value mod = g.op(new Modulate(), "modulate", normed, c.get(1), c.get(0));
            return new Out(mod, c.get(2), c.get(3), c.get(4), c.get(5));
        }
    }

    /** {@code x·(1+scale)+shift} after a parameter-free LayerNorm (norm2 / norm2_context of the block). */
    static Value normModulate(GraphBuilder g, String name, Value x, Value scale, Value shift) {
        try (var s = g.scope(name)) {
            Value normed = Layers.layerNormNoAffine(g, "", x, EPS);
            return g.op(new Modulate(), "modulate", normed, scale, shift);
        }
    }

    /** {@code gate[:, None] · x} for x [B, L, D] and gate [B, D]. */
    static Value gate(GraphBuilder g, Value gate, Value x) {
        int b = gate.spec().shape().dim(0);
        int d = gate.spec().shape().dim(1);
        return g.mul(g.reshape(gate, b, 1, d), x);
    }
}
