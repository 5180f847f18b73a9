package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * SVDQuant W4A4 linear layer (DESIGN.md §3). Inputs, in order: x [..., K] F32; qweight I8 [N, Kp/2]
 * (two int4 per byte, low nibble = even k); wscales [Kp/G, N]; smooth_factor [K]; proj_down [K, r];
 * proj_up [N, r]; optional bias [N]. Kp is K rounded up to a multiple of {@code groupSize}.
 * Output [..., N] F32: {@code epilogue((x·proj_down)·proj_upᵀ + Σ_g sx·ws·Σ qx·qw + b)}.
 */
public record SvdqLinear(int groupSize, boolean hasBias, UnaryFn epilogue) implements Op {
    public SvdqLinear(int groupSize, boolean hasBias) {
        this(groupSize, hasBias, UnaryFn.IDENTITY);
    }

    public SvdqLinear {
        if (groupSize <= 0 || groupSize % 2 != 0) {
            throw new IllegalArgumentException("SvdqLinear: group size must be positive and even, got " + groupSize);
        }
    }

    /** K rounded up to a whole number of groups. */
    public int paddedK(int k) {
        return (k + groupSize - 1) / groupSize * groupSize;
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, hasBias ? 7 : 6, hasBias ? 7 : 6);
        TensorSpec x = in.get(0), qw = in.get(1), ws = in.get(2), smooth = in.get(3), down = in.get(4), up = in.get(5);
        OpChecks.minRank(this, "input", x, 1);
        OpChecks.f32(this, "input", x);
        int k = x.shape().last();
        int kp = paddedK(k);
        OpChecks.rank(this, "qweight", qw, 2);
        if (qw.dtype() != DType.I8) {
            throw new ShapeException("SvdqLinear: qweight must be I8 (packed int4 pairs), got " + qw);
        }
        int n = qw.shape().dim(0);
        OpChecks.dim(this, "qweight", qw, 1, kp / 2);
        OpChecks.rank(this, "wscales", ws, 2);
        OpChecks.floating(this, "wscales", ws);
        OpChecks.dim(this, "wscales", ws, 0, kp / groupSize);
        OpChecks.dim(this, "wscales", ws, 1, n);
        OpChecks.rank(this, "smooth_factor", smooth, 1);
        OpChecks.floating(this, "smooth_factor", smooth);
        OpChecks.dim(this, "smooth_factor", smooth, 0, k);
        OpChecks.rank(this, "proj_down", down, 2);
        OpChecks.floating(this, "proj_down", down);
        OpChecks.dim(this, "proj_down", down, 0, k);
        int r = down.shape().dim(1);
        OpChecks.rank(this, "proj_up", up, 2);
        OpChecks.floating(this, "proj_up", up);
        OpChecks.dim(this, "proj_up", up, 0, n);
        OpChecks.dim(this, "proj_up", up, 1, r);
        if (hasBias) {
            OpChecks.rank(this, "bias", in.get(6), 1);
            OpChecks.floating(this, "bias", in.get(6));
            OpChecks.dim(this, "bias", in.get(6), 0, n);
        }
        return List.of(OpChecks.f32(OpChecks.withLast(x.shape(), n)));
    }
}
