package dev.nibble.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A host tensor: element type, shape and little-endian row-major data in an off-heap
 * {@link MemorySegment}. The segment may be a slice of a memory-mapped file (zero copy) or memory
 * this tensor owns through an {@link Arena}. Tensors are immutable handles; the data is not.
 */
public final class Tensor {
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TensorSpec spec;
    private final MemorySegment data;

    public Tensor(TensorSpec spec, MemorySegment data) {
        this.spec = Objects.requireNonNull(spec);
        this.data = Objects.requireNonNull(data);
        if (data.byteSize() != spec.byteSize()) {
            throw new IllegalArgumentException("tensor " + spec + " needs " + spec.byteSize()
                    + " bytes but its data holds " + data.byteSize());
        }
    }

    public Tensor(DType dtype, Shape shape, MemorySegment data) {
        this(new TensorSpec(dtype, shape), data);
    }

    /** A zero-filled tensor in memory owned by {@code arena}. */
    public static Tensor allocate(TensorSpec spec, Arena arena) {
        return new Tensor(spec, arena.allocate(Math.max(1, spec.byteSize()), 64).asSlice(0, spec.byteSize()));
    }

    /** A zero-filled tensor in automatically managed memory. */
    public static Tensor zeros(DType dtype, Shape shape) {
        return allocate(new TensorSpec(dtype, shape), Arena.ofAuto());
    }

    public static Tensor ofFloats(Shape shape, float... values) {
        if (values.length != shape.numel()) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        }
        Tensor t = zeros(DType.F32, shape);
        MemorySegment.copy(values, 0, t.data, F32, 0, values.length);
        return t;
    }

    public static Tensor ofLongs(Shape shape, long... values) {
        if (values.length != shape.numel()) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        }
        Tensor t = zeros(DType.I64, shape);
        MemorySegment.copy(values, 0, t.data, I64, 0, values.length);
        return t;
    }

    public TensorSpec spec() {
        return spec;
    }

    public DType dtype() {
        return spec.dtype();
    }

    public Shape shape() {
        return spec.shape();
    }

    public long numel() {
        return spec.shape().numel();
    }

    public MemorySegment data() {
        return data;
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Element {@code i} (flat index) as a float, for every floating and integer type but INT4. */
    public float getFloat(long i) {
        return switch (spec.dtype()) {
            case F32 -> data.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case BF16 -> bf16ToFloat(data.getAtIndex(I16, i));
            case F64 -> (float) data.getAtIndex(F64, i);
            case I64 -> data.getAtIndex(I64, i);
            case I32 -> data.getAtIndex(I32, i);
            case I16 -> data.getAtIndex(I16, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case INT4 -> throw new UnsupportedOperationException("INT4 tensors are read through their packed bytes");
        };
    }

    /** Element {@code i} as an integer, for integer types. */
    public long getLong(long i) {
        return switch (spec.dtype()) {
            case I64 -> data.getAtIndex(I64, i);
            case I32 -> data.getAtIndex(I32, i);
            case I16 -> data.getAtIndex(I16, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            default -> throw new UnsupportedOperationException(spec.dtype() + " is not an integer type");
        };
    }

    /** Stores {@code v} at flat index {@code i}, rounding to the tensor's float type. */
    public void setFloat(long i, float v) {
        switch (spec.dtype()) {
            case F32 -> data.setAtIndex(F32, i, v);
            case F16 -> data.setAtIndex(I16, i, Float.floatToFloat16(v));
            case BF16 -> data.setAtIndex(I16, i, floatToBf16(v));
            case F64 -> data.setAtIndex(F64, i, v);
            default -> throw new UnsupportedOperationException("setFloat on " + spec.dtype());
        }
    }

    /** All elements converted to float (a copy). */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor too large for a Java array: " + spec);
        }
        float[] out = new float[(int) n];
        if (spec.dtype() == DType.F32) {
            MemorySegment.copy(data, F32, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getFloat(i);
            }
        }
        return out;
    }

    /** All elements as long (a copy), for integer tensors. */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** This tensor's data converted to {@code target} (a new tensor; the same one when types match). */
    public Tensor to(DType target) {
        if (target == spec.dtype()) {
            return this;
        }
        if (!target.isFloatingPoint() || spec.dtype() == DType.INT4) {
            throw new UnsupportedOperationException("conversion " + spec.dtype() + " -> " + target);
        }
        Tensor out = zeros(target, shape());
        long n = numel();
        for (long i = 0; i < n; i++) {
            out.setFloat(i, getFloat(i));
        }
        return out;
    }

    /** The same data under another shape with the same element count (no copy). */
    public Tensor reshape(Shape shape) {
        if (shape.numel() != numel()) {
            throw new IllegalArgumentException("cannot reshape " + spec + " to " + shape);
        }
        return new Tensor(new TensorSpec(spec.dtype(), shape), data);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round-to-nearest-even conversion to bfloat16, NaN preserved. */
    public static short floatToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    @Override
    public String toString() {
        return "Tensor" + spec;
    }
}
