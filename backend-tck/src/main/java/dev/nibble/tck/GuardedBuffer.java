package dev.nibble.tck;

import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A device buffer with guard regions: the kernel gets the middle slice of a larger allocation whose
 * head and tail hold a position-dependent sentinel pattern; after the run the whole allocation is
 * read back, so writes outside the slice (or into an input) show as changed bytes.
 */
final class GuardedBuffer implements AutoCloseable {
    /** Guard bytes on each side; 4 KiB keeps the slice aligned for any device's sub-buffer rules. */
    static final int GUARD = 4096;
    /** Fill of output payloads before the run: NaN in every float type, so unwritten elements stand out. */
    static final byte POISON = (byte) 0xFF;

    private final Device device;
    private final DeviceBuffer root;
    private final long bytes;
    private final MemorySegment expected; // what the whole allocation must still hold (guards, and inputs' data)
    private final Arena arena = Arena.ofConfined();

    private GuardedBuffer(Device device, long bytes, MemorySegment payload) {
        this.device = device;
        this.bytes = bytes;
        this.expected = arena.allocate(bytes + 2L * GUARD, 64);
        for (long i = 0; i < expected.byteSize(); i++) {
            expected.set(ValueLayout.JAVA_BYTE, i, sentinel(i));
        }
        if (payload == null) {
            expected.asSlice(GUARD, bytes).fill(POISON);
        } else {
            MemorySegment.copy(payload, 0, expected, GUARD, bytes);
        }
        this.root = device.allocate(expected.byteSize());
        device.write(root, expected);
    }

    /** A buffer holding a copy of {@code data}, between guards. */
    static GuardedBuffer input(Device device, MemorySegment data) {
        return new GuardedBuffer(device, data.byteSize(), data);
    }

    /** A poisoned output region of {@code bytes}, between guards. */
    static GuardedBuffer output(Device device, long bytes) {
        return new GuardedBuffer(device, bytes, null);
    }

    /** The part the kernel may touch. */
    DeviceBuffer slice() {
        return root.slice(GUARD, bytes);
    }

    /** The whole allocation as the device holds it now (call after the run has synchronised). */
    MemorySegment readBack() {
        MemorySegment back = arena.allocate(expected.byteSize(), 64);
        device.read(root, back);
        return back;
    }

    static MemorySegment payload(MemorySegment back) {
        return back.asSlice(GUARD, back.byteSize() - 2L * GUARD);
    }

    /** Null, or what changed outside the slice of {@code what} ("output 0"). */
    String checkGuards(MemorySegment back, String what) {
        String before = changed(back, 0, GUARD, GUARD);
        String after = changed(back, GUARD + bytes, GUARD + bytes + GUARD, GUARD + bytes);
        if (before == null && after == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder("out-of-bounds write around ").append(what).append(" (")
                .append(bytes).append(" bytes):");
        if (before != null) {
            sb.append(" guard before its start modified, ").append(before).append(" relative to its start");
        }
        if (after != null) {
            sb.append(before != null ? ";" : "").append(" guard after its end modified, ").append(after)
                    .append(" relative to its end");
        }
        return sb.toString();
    }

    /** Null, or where the payload of an input changed (kernels must not write their inputs). */
    String checkUnchanged(MemorySegment back, String what) {
        String c = changed(back, GUARD, GUARD + bytes, GUARD);
        return c == null ? null : "kernel modified " + what + ": " + c + " relative to its start";
    }

    /** Null, or "N byte(s) changed, bytes i to j" in [from, to) of the allocation, offsets relative to {@code base}. */
    private String changed(MemorySegment back, long from, long to, long base) {
        long first = MemorySegment.mismatch(expected, from, to, back, from, to);
        if (first < 0) {
            return null;
        }
        long count = 0;
        long last = from + first;
        for (long i = from + first; i < to; i++) {
            if (expected.get(ValueLayout.JAVA_BYTE, i) != back.get(ValueLayout.JAVA_BYTE, i)) {
                count++;
                last = i;
            }
        }
        return count + " byte(s) changed, bytes " + (from + first - base) + " to " + (last - base);
    }

    /** A pattern that differs from byte to byte, so shifted copies are caught too. */
    private static byte sentinel(long i) {
        return (byte) (0x5A ^ (i * 131) ^ (i >>> 8));
    }

    @Override
    public void close() {
        try {
            root.close();
        } finally {
            arena.close();
        }
    }
}
