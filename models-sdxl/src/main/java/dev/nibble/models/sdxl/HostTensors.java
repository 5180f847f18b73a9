package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/**
 * The few host-side tensor manipulations the pipeline does between graph runs (concatenations, CFG
 * combination, scalings), in float32 in the order diffusers' torch code performs them.
 */
final class HostTensors {
    private HostTensors() {
    }

    static Tensor floats(Shape s, float[] v) {
        return Tensor.ofFloats(s, v);
    }

    static Tensor zerosLike(Tensor t) {
        return Tensor.ofFloats(t.shape(), new float[Math.toIntExact(t.numel())]);
    }

    /** torch.cat(parts, dim=-1) of tensors that agree on all leading dimensions. */
    static Tensor concatLast(Tensor... parts) {
        Shape first = parts[0].shape();
        int rows = Math.toIntExact(first.numel() / first.last());
        int total = 0;
        for (Tensor p : parts) {
            if (p.shape().rank() != first.rank() || p.numel() / p.shape().last() != rows) {
                throw new IllegalArgumentException("cannot concatenate " + p.spec() + " with " + parts[0].spec()
                        + " along the last axis");
            }
            total += p.shape().last();
        }
        float[] out = new float[rows * total];
        int off = 0;
        for (Tensor p : parts) {
            float[] v = p.toFloatArray();
            int d = p.shape().last();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(v, r * d, out, r * total + off, d);
            }
            off += d;
        }
        return floats(first.withDim(-1, total), out);
    }

    /** torch.cat(parts, dim=0). */
    static Tensor concatBatch(Tensor... parts) {
        Shape first = parts[0].shape();
        int n = 0;
        long total = 0;
        for (Tensor p : parts) {
            if (!p.shape().withDim(0, 1).equals(first.withDim(0, 1))) {
                throw new IllegalArgumentException("cannot concatenate " + p.spec() + " with " + parts[0].spec()
                        + " along the batch axis");
            }
            n += p.shape().dim(0);
            total += p.numel();
        }
        float[] out = new float[Math.toIntExact(total)];
        int off = 0;
        for (Tensor p : parts) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, off, v.length);
            off += v.length;
        }
        return floats(first.withDim(0, n), out);
    }

    /** Batch entries [start, end). */
    static Tensor sliceBatch(Tensor t, int start, int end) {
        int per = Math.toIntExact(t.numel() / t.shape().dim(0));
        float[] v = t.toFloatArray();
        float[] out = new float[(end - start) * per];
        System.arraycopy(v, start * per, out, 0, out.length);
        return floats(t.shape().withDim(0, end - start), out);
    }

    /** noise_pred.chunk(2) → uncond + guidance_scale · (text − uncond), float32 in that order. */
    static float[] classifierFreeGuidance(float[] pred, float guidanceScale) {
        int half = pred.length / 2;
        float[] out = new float[half];
        for (int i = 0; i < half; i++) {
            float uncond = pred[i];
            float text = pred[half + i];
            out[i] = uncond + guidanceScale * (text - uncond);
        }
        return out;
    }

    /** torch.cat([x] * 2). */
    static float[] twice(float[] x) {
        float[] out = new float[2 * x.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(x, 0, out, x.length, x.length);
        return out;
    }

    static float[] scale(float[] x, float s) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * s;
        }
        return out;
    }
}
