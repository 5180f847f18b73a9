package dev.nibble.models.common.nn;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.ShapeException;

/** The head split and merge around scaled dot-product attention ({@code view + transpose(1, 2)}). */
public final class AttentionHeads {
    private AttentionHeads() {
    }

    /** [B, L, H·D] → [B, H, L, D]. */
    public static Value split(GraphBuilder g, Value x, int heads) {
        int b = x.spec().shape().dim(0), l = x.spec().shape().dim(1), inner = x.spec().shape().dim(2);
        if (heads <= 0 || inner % heads != 0) {
            throw new ShapeException(g.qualified("") + ": width " + inner + " does not split into " + heads + " heads");
        }
        return g.permute(g.reshape(x, b, l, heads, inner / heads), 0, 2, 1, 3);
    }

    /** [B, H, L, D] → [B, L, H·D]. */
    public static Value merge(GraphBuilder g, Value x) {
        int b = x.spec().shape().dim(0), h = x.spec().shape().dim(1);
        int l = x.spec().shape().dim(2), d = x.spec().shape().dim(3);
        return g.reshape(g.permute(x, 0, 2, 1, 3), b, l, h * d);
    }
}
