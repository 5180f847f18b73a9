package dev.nibble.models.common.nn;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/** Host-side preparation of attention inputs that depend only on ids and masks (not on activations). */
public final class HostMasks {
    /** torch.finfo(float32).min, the value transformers writes for masked-out keys. */
    public static final float MASKED = -Float.MAX_VALUE;

    private HostMasks() {
    }

    /**
     * A [B, L] keep-mask (1 = attend, 0 = padding; any integer or float type) as the additive
     * [B, 1, 1, L] mask transformers builds: 0 where kept, finfo.min where masked.
     */
    public static Tensor additivePaddingMask(Tensor mask, int batch, int length) {
        if (!mask.shape().equals(Shape.of(batch, length))) {
            throw new IllegalArgumentException("attention mask must have shape [" + batch + ", " + length
                    + "] like the ids, got " + mask.spec());
        }
        float[] out = new float[batch * length];
        for (int i = 0; i < out.length; i++) {
            out[i] = mask.getFloat(i) != 0f ? 0f : MASKED;
        }
        return Tensor.ofFloats(Shape.of(batch, 1, 1, length), out);
    }

    /** Token ids of any integer type as an I64 [B, L] tensor (the graphs take I64 ids). */
    public static Tensor idsI64(Tensor ids) {
        if (ids.shape().rank() != 2) {
            throw new IllegalArgumentException("ids must have shape [batch, length], got " + ids.spec());
        }
        return switch (ids.dtype()) {
            case I64 -> ids;
            case I32, I16, I8, U8 -> Tensor.ofLongs(ids.shape(), ids.toLongArray());
            default -> throw new IllegalArgumentException("ids must be an integer tensor, got " + ids.spec());
        };
    }

    /** Rows of ids as an I64 [B, L] tensor; all rows must have the same length. */
    public static Tensor idsI64(long[][] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no id rows");
        }
        int l = ids[0].length;
        long[] flat = new long[ids.length * l];
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != l) {
                throw new IllegalArgumentException("id rows differ in length: " + l + " and " + ids[b].length
                        + " (row " + b + "); pad them first");
            }
            System.arraycopy(ids[b], 0, flat, b * l, l);
        }
        return Tensor.ofLongs(Shape.of(ids.length, l), flat);
    }
}
