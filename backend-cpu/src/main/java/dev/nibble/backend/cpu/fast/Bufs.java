package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Small helpers shared by the fast kernels: buffer access and scalar conversions. */
final class Bufs {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Bufs() {
    }

    static MemorySegment seg(DeviceBuffer b) {
        return HostBuffer.of(b);
    }

    /** Element {@code i} of a float tensor of type {@code t} (F32, F16 or BF16). */
    static float getFloat(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(s.getAtIndex(I16, i));
            case BF16 -> Float.intBitsToFloat((s.getAtIndex(I16, i) & 0xffff) << 16);
            default -> throw new IllegalArgumentException("not a float type: " + t);
        };
    }

    /** Fills {@code dst[0, n)} with elements {@code [from, from + n)} of a float tensor, converted to F32. */
    static void toFloats(MemorySegment s, DType t, long from, float[] dst, int n) {
        if (t == DType.F32) {
            MemorySegment.copy(s, F32, from * 4, dst, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            dst[i] = getFloat(s, t, from + i);
        }
    }

    /** {@code k} with runs serialised: for kernels that refill arrays made at compile time on every run. */
    static dev.nibble.engine.spi.Kernel serialised(dev.nibble.engine.spi.Kernel k) {
        return new dev.nibble.engine.spi.Kernel() {
            @Override
            public synchronized void run(java.util.List<DeviceBuffer> in, java.util.List<DeviceBuffer> out) {
                k.run(in, out);
            }
        };
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
