package dev.nibble.backend.vulkan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One compute dispatch being described: its pipeline (shader and specialisation constants), its push
 * constants written in the shader's declaration order (device addresses first, 8-byte aligned, then
 * 32-bit scalars), and the buffer ranges it reads and writes, from which the batch derives its
 * barriers. {@link #run} records it into the device's current batch.
 */
final class Dispatch {
    private final Gpu gpu;
    final String shader;
    final int[] spec;
    final ByteBuffer push;
    final List<Gpu.Range> reads = new ArrayList<>();
    final List<Gpu.Range> writes = new ArrayList<>();
    /** Turns the three words a kernel left in its status slot into an error message. */
    interface StatusCheck {
        String message(int[] words);
    }

    StatusCheck statusCheck;
    int statusSlot = -1;

    Dispatch(Gpu gpu, String shader, int[] spec, int pushLimit) {
        this.gpu = gpu;
        this.shader = shader;
        this.spec = spec;
        this.push = ByteBuffer.allocate(pushLimit).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void align(int a) {
        while (push.position() % a != 0) {
            push.put((byte) 0);
        }
    }

    /** A buffer the kernel reads. */
    Dispatch read(GpuBuffer b) {
        align(8);
        push.putLong(b.address());
        if (b.size > 0) {
            reads.add(b.range());
        }
        return this;
    }

    /** A buffer the kernel writes (and may read). */
    Dispatch write(GpuBuffer b) {
        align(8);
        push.putLong(b.address());
        if (b.size > 0) {
            writes.add(b.range());
        }
        return this;
    }

    /**
     * A region of {@code b} starting {@code offset} bytes in, with the byte range the kernel touches
     * there ({@code from}, {@code to} relative to the buffer) and, for writes, the tag of its op.
     */
    Dispatch at(GpuBuffer b, long offset, boolean write, long from, long to, long tag) {
        align(8);
        push.putLong(b.address() + offset);
        if (to > from) {
            Gpu.Range r = new Gpu.Range(b.block.id, b.offset + from, b.offset + to, tag);
            (write ? writes : reads).add(r);
        }
        return this;
    }

    /** An optional input: address 0 when absent. */
    Dispatch readOrNull(GpuBuffer b) {
        if (b == null) {
            align(8);
            push.putLong(0L);
            return this;
        }
        return read(b);
    }

    /**
     * A 16-byte status slot the kernel may write an error into: word 0 non-zero flags it, and
     * {@code describe} turns words 1..3 into the message once the batch has run.
     */
    Dispatch status(StatusCheck describe) {
        align(8);
        statusSlot = gpu.statusSlot();
        push.putLong(gpu.statusAddress(statusSlot));
        statusCheck = describe;
        return this;
    }

    Dispatch u32(long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException("push constant out of 32-bit range: " + v);
        }
        align(4);
        push.putInt((int) v);
        return this;
    }

    Dispatch i32(int v) {
        align(4);
        push.putInt(v);
        return this;
    }

    Dispatch f32(float v) {
        align(4);
        push.putFloat(v);
        return this;
    }

    /** A fixed-length uint array of the push block: the first values, zero-padded to {@code length}. */
    Dispatch u32s(long[] values, int length) {
        if (values.length > length) {
            throw new IllegalArgumentException(values.length + " values for a push array of " + length);
        }
        for (int i = 0; i < length; i++) {
            u32(i < values.length ? values[i] : 0);
        }
        return this;
    }

    /** Records the dispatch with this grid. */
    void run(long gx, long gy, long gz) {
        gpu.record(this, gx, gy, gz);
    }

    /** A grid-stride dispatch covering {@code n} items with 256 invocations per workgroup. */
    void runLinear(long n) {
        run(Math.max(1, Math.min((n + 255) / 256, 65535)), 1, 1);
    }

    /** One workgroup per row, looping when there are more rows than workgroups. */
    void runRows(long rows) {
        run(Math.max(1, Math.min(rows, 65535)), 1, 1);
    }
}
