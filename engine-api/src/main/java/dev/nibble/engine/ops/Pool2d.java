package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * 2-D max or average pooling of x [B, C, H, W] F32, as PyTorch's {@code max_pool2d}/{@code avg_pool2d} with
 * {@code ceil_mode=False}: output side {@code floor((H + 2·pad − kernel) / stride) + 1}. Padding is symmetric
 * and at most half the kernel (PyTorch's own limit), so every window holds at least one input element. An
 * average window divides by the whole window ({@code countIncludePad}, PyTorch's default) or by the input
 * elements it covers (Inception's FID blocks use the latter).
 */
public record Pool2d(PoolFn fn, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                     boolean countIncludePad) implements Op {

    public static Pool2d max(int kernel, int stride, int padding) {
        return new Pool2d(PoolFn.MAX, kernel, kernel, stride, stride, padding, padding, false);
    }

    public static Pool2d avg(int kernel, int stride, int padding, boolean countIncludePad) {
        return new Pool2d(PoolFn.AVG, kernel, kernel, stride, stride, padding, padding, countIncludePad);
    }

    public Pool2d {
        if (fn == null) {
            throw new IllegalArgumentException("Pool2d: fn is required");
        }
        if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0) {
            throw new IllegalArgumentException("Pool2d: kernel and stride must be positive, got kernel "
                    + kernelH + "x" + kernelW + " stride " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException("Pool2d: padding " + padH + "x" + padW
                    + " must be non-negative and at most half the kernel " + kernelH + "x" + kernelW);
        }
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        OpChecks.rank(this, "input", x, 4);
        OpChecks.f32(this, "input", x);
        int oh = outSize(x.shape().dim(2), kernelH, strideH, padH);
        int ow = outSize(x.shape().dim(3), kernelW, strideW, padW);
        if (oh <= 0 || ow <= 0) {
            throw new ShapeException("Pool2d: " + kernelH + "x" + kernelW + " window larger than padded input " + x);
        }
        return List.of(OpChecks.f32(Shape.of(x.shape().dim(0), x.shape().dim(1), oh, ow)));
    }

    private static int outSize(int in, int k, int s, int p) {
        int span = in + 2 * p - k;
        return span < 0 ? 0 : span / s + 1;
    }

    @Override
    public String opName() {
        return "Pool2d." + fn;
    }
}
