package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * 2-D convolution, NCHW, groups = 1, dilation 1. Inputs: x [B, C, H, W] F32; weight [O, C, KH, KW]
 * F32/F16/BF16; optional bias [O]. Padding may be asymmetric (the VAE's downsampler pads right and
 * bottom only).
 */
public record Conv2d(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight,
                     boolean hasBias) implements Op {

    /** Square stride and symmetric padding, as PyTorch's nn.Conv2d(stride=s, padding=p). */
    public static Conv2d of(int stride, int padding, boolean hasBias) {
        return new Conv2d(stride, stride, padding, padding, padding, padding, hasBias);
    }

    public Conv2d {
        if (strideH <= 0 || strideW <= 0 || padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) {
            throw new IllegalArgumentException("Conv2d: strides must be positive and paddings non-negative");
        }
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, hasBias ? 3 : 2, hasBias ? 3 : 2);
        TensorSpec x = in.get(0), w = in.get(1);
        OpChecks.rank(this, "input", x, 4);
        OpChecks.f32(this, "input", x);
        OpChecks.rank(this, "weight", w, 4);
        OpChecks.floating(this, "weight", w);
        if (w.shape().dim(1) != x.shape().dim(1)) {
            throw new ShapeException("Conv2d: input " + x + " has " + x.shape().dim(1)
                    + " channels but weight " + w + " expects " + w.shape().dim(1));
        }
        int o = w.shape().dim(0);
        if (hasBias) {
            OpChecks.rank(this, "bias", in.get(2), 1);
            OpChecks.dim(this, "bias", in.get(2), 0, o);
        }
        int oh = (x.shape().dim(2) + padTop + padBottom - w.shape().dim(2)) / strideH + 1;
        int ow = (x.shape().dim(3) + padLeft + padRight - w.shape().dim(3)) / strideW + 1;
        if (oh <= 0 || ow <= 0) {
            throw new ShapeException("Conv2d: kernel " + w + " larger than padded input " + x);
        }
        return List.of(OpChecks.f32(Shape.of(x.shape().dim(0), o, oh, ow)));
    }
}
