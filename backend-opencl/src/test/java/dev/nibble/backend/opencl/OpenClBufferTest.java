package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Buffers, slices (shared cl_mem plus offset), transfers from native and heap memory, accounting. */
class OpenClBufferTest {
    @Test
    void slicesShareMemoryAndTransfersRoundTrip() {
        OpenClDevice d = OpenClTestSupport.device();
        long before = d.allocatorStats().inUseBytes();
        try (DeviceBuffer root = d.allocate(4096)) {
            assertEquals(before + 4096, d.allocatorStats().inUseBytes());
            float[] values = {1, 2, 3, 4, 5};
            DeviceBuffer slice = root.slice(64, 20);
            d.write(slice, MemorySegment.ofArray(values)); // a heap segment of floats: staged
            float[] back = new float[5];
            d.read(root.slice(64, 20), MemorySegment.ofArray(back));
            assertArrayEquals(values, back);

            Tensor t = Tensor.ofFloats(Shape.of(2), 7, 8);
            d.write(root.slice(68, 8), t.data()); // overwrite elements 1 and 2 of the first slice
            Tensor r = Tensor.zeros(t.dtype(), Shape.of(5));
            d.read(slice, r.data());
            assertArrayEquals(new float[] {1, 7, 8, 4, 5}, r.toFloatArray());
            slice.close(); // closing a slice releases nothing
            assertEquals(before + 4096, d.allocatorStats().inUseBytes());
        }
        assertEquals(before, d.allocatorStats().inUseBytes());
        assertTrue(d.allocatorStats().highWaterBytes() >= 4096);
    }
}
