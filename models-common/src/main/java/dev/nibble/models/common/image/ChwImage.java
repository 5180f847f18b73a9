package dev.nibble.models.common.image;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A float image in planar channel-major order (C, H, W), the layout VAEs use. The array is shared, not
 * copied: treat it as owned by this record (equality is by array identity, as for any record).
 */
public record ChwImage(int channels, int height, int width, float[] data) {

    public ChwImage {
        Objects.requireNonNull(data, "data");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image dimensions must be positive: " + channels + "x" + height + "x" + width);
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException(channels + "x" + height + "x" + width + " image needs "
                    + (long) channels * height * width + " values, got " + data.length);
        }
    }

    /** Value of channel c at row y, column x. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** A float32 tensor of shape [1, C, H, W] holding a copy of the pixels. */
    public Tensor toTensor() {
        return Tensor.ofFloats(Shape.of(1, channels, height, width), data);
    }

    /** Image {@code index} of a float [N, C, H, W] tensor (or the only one of a [C, H, W] tensor), copied. */
    public static ChwImage fromTensor(Tensor t, int index) {
        Shape s = t.shape();
        if (!t.dtype().isFloatingPoint() || (s.rank() != 3 && s.rank() != 4)) {
            throw new IllegalArgumentException("expected a float [N, C, H, W] or [C, H, W] tensor, got " + t);
        }
        int batch = s.rank() == 4 ? s.dim(0) : 1;
        if (index < 0 || index >= batch) {
            throw new IndexOutOfBoundsException("image " + index + " of a batch of " + batch);
        }
        int c = s.dim(-3);
        int h = s.dim(-2);
        int w = s.dim(-1);
        int n = c * h * w;
        float[] out = new float[n];
        long base = (long) index * n;
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(t.data(), Tensor.F32, base * 4, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloat(base + i);
            }
        }
        return new ChwImage(c, h, w, out);
    }
}
