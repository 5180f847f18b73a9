package dev.nibble.models.flux;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * diffusers' FluxPosEmbed (theta 10000): rotary tables from position ids. For axis i with dimension
 * d_i the frequencies are 1/theta^(2j/d_i), computed in float64 as diffusers does on CPU, multiplied by
 * the axis coordinate, and the cos/sin rounded to float32 and repeated twice (interleaved pairs). The
 * axes' tables sit side by side: row l of the result is [axis0 | axis1 | axis2]. The tables are small
 * ([L, head_dim]) and depend only on the ids, so they are computed here on the host and fed to the
 * graph as inputs rather than built from ops.
 */
public final class FluxPosEmbed {
    public static final double THETA = 10000.0;

    /** cos and sin tables, each [L, sum(axes_dims)] F32. */
    public record Tables(Tensor cos, Tensor sin) {}

    private FluxPosEmbed() {
    }

    /**
     * @param ids  [L, n_axes] position ids (any float or integer dtype; FLUX uses float32)
     * @param axes per-axis rotary dimensions (axes_dims_rope)
     */
    public static Tables tables(Tensor ids, int[] axes) {
        if (ids.shape().rank() != 2 || ids.shape().dim(1) != axes.length) {
            throw new IllegalArgumentException("position ids must be [L, " + axes.length + "] for axes_dims_rope "
                    + Arrays.toString(axes) + ", got " + ids.spec());
        }
        int l = ids.shape().dim(0);
        int d = Arrays.stream(axes).sum();
        float[] cos = new float[l * d];
        float[] sin = new float[l * d];
        int offset = 0;
        for (int a = 0; a < axes.length; a++) {
            double[] freqs = frequencies(axes[a]);
            for (int row = 0; row < l; row++) {
                // float32 ids widened exactly, then torch.outer in float64
                double pos = ids.getFloat((long) row * axes.length + a);
                int base = row * d + offset;
                for (int j = 0; j < freqs.length; j++) {
                    double angle = pos * freqs[j];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[base + 2 * j] = c;
                    cos[base + 2 * j + 1] = c;
                    sin[base + 2 * j] = s;
                    sin[base + 2 * j + 1] = s;
                }
            }
            offset += axes[a];
        }
        return new Tables(Tensor.ofFloats(Shape.of(l, d), cos), Tensor.ofFloats(Shape.of(l, d), sin));
    }

    /** {@code 1 / theta^(arange(0, dim, 2) / dim)} in float64. */
    static double[] frequencies(int dim) {
        double[] f = new double[dim / 2];
        for (int j = 0; j < f.length; j++) {
            f[j] = 1.0 / Math.pow(THETA, (2.0 * j) / dim);
        }
        return f;
    }

    /** {@code torch.cat((txt_ids, img_ids), dim=0)}: the joint sequence's ids, text first. */
    public static Tensor concatIds(Tensor txtIds, Tensor imgIds) {
        if (txtIds.shape().rank() != 2 || imgIds.shape().rank() != 2
                || txtIds.shape().dim(1) != imgIds.shape().dim(1)) {
            throw new IllegalArgumentException("txt_ids " + txtIds.spec() + " and img_ids " + imgIds.spec()
                    + " must both be [L, n_axes]");
        }
        int lt = txtIds.shape().dim(0);
        int li = imgIds.shape().dim(0);
        int n = txtIds.shape().dim(1);
        Tensor out = Tensor.zeros(DType.F32, Shape.of(lt + li, n));
        for (long i = 0; i < (long) lt * n; i++) {
            out.setFloat(i, txtIds.getFloat(i));
        }
        for (long i = 0; i < (long) li * n; i++) {
            out.setFloat((long) lt * n + i, imgIds.getFloat(i));
        }
        return out;
    }
}
