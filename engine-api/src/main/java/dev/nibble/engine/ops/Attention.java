package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * Scaled dot-product attention {@code softmax(q·kᵀ·scale + mask [+ causal]) · v}.
 * Inputs: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], optional additive mask whose four
 * dimensions are each 1 or the full size of [B, H, Lq, Lk] (a padding mask [B,1,1,Lk], a T5
 * position bias [1,H,Lq,Lk], ...). Causal masks key j > query i (aligned at the start).
 */
public record Attention(float scale, boolean causal, boolean hasMask) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, hasMask ? 4 : 3, hasMask ? 4 : 3);
        TensorSpec q = in.get(0), k = in.get(1), v = in.get(2);
        for (var e : List.of(q, k, v)) {
            OpChecks.rank(this, "q/k/v", e, 4);
            OpChecks.f32(this, "q/k/v", e);
        }
        int b = q.shape().dim(0), h = q.shape().dim(1), lq = q.shape().dim(2), d = q.shape().dim(3);
        int lk = k.shape().dim(2);
        OpChecks.shape(this, "key", k, Shape.of(b, h, lk, d));
        if (v.shape().dim(0) != b || v.shape().dim(1) != h || v.shape().dim(2) != lk) {
            throw new ShapeException("Attention: value " + v + " does not match key " + k);
        }
        if (hasMask) {
            TensorSpec m = in.get(3);
            OpChecks.rank(this, "mask", m, 4);
            OpChecks.f32(this, "mask", m);
            int[] full = {b, h, lq, lk};
            for (int i = 0; i < 4; i++) {
                int md = m.shape().dim(i);
                if (md != 1 && md != full[i]) {
                    throw new ShapeException("Attention: mask " + m + " does not broadcast to " + Shape.of(full));
                }
            }
        }
        return List.of(OpChecks.f32(Shape.of(b, h, lq, v.shape().dim(3))));
    }
}
