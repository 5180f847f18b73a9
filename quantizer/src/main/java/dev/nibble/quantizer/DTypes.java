package dev.nibble.quantizer;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/** Rounding to the stored float type and small tensor conversions. */
public final class DTypes {
    private DTypes() {
    }

    /** {@code v} as the nearest value of {@code type} (F32, BF16 or F16), back as a float. */
    public static float round(double v, DType type) {
        float f = (float) v;
        return switch (type) {
            case F32 -> f;
            case BF16 -> Tensor.bf16ToFloat(Tensor.floatToBf16(f));
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            default -> throw new IllegalArgumentException("float type must be F32, BF16 or F16, got " + type);
        };
    }

    public static void checkFloatType(DType type) {
        if (type != DType.F32 && type != DType.BF16 && type != DType.F16) {
            throw new IllegalArgumentException("float type must be F32, BF16 or F16, got " + type);
        }
    }

    /** A tensor of {@code type} holding {@code values}. */
    public static Tensor tensor(DType type, Shape shape, float[] values) {
        if (type == DType.F32) {
            return Tensor.ofFloats(shape, values);
        }
        Tensor t = Tensor.zeros(type, shape);
        for (int i = 0; i < values.length; i++) {
            t.setFloat(i, values[i]);
        }
        return t;
    }

    /** A float tensor's values as doubles. */
    public static double[] doubles(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
