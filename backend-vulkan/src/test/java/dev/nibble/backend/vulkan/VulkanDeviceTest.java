package dev.nibble.backend.vulkan;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory, transfers, batching and error reporting of the Vulkan device. */
class VulkanDeviceTest {
    private static int mark;

    @BeforeAll
    static void start() {
        mark = ValidationMessages.count();
    }

    @AfterAll
    static void silent() {
        VulkanTestDevice.assertNoValidationMessages(mark);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripsThroughDirectMappingAndStaging(boolean staging) {
        VulkanDevice dev = VulkanTestDevice.get();
        dev.setStagingOnly(staging);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 3, 255, 4097, 1 << 20}) {
                byte[] data = pattern(n, n);
                try (DeviceBuffer b = dev.allocate(n + 100)) {
                    DeviceBuffer s = b.slice(37, n);
                    dev.write(s, MemorySegment.ofArray(data));
                    MemorySegment back = arena.allocate(n);
                    dev.read(s, back);
                    assertArrayEquals(data, back.toArray(ValueLayout.JAVA_BYTE), "n = " + n);
                }
            }
        } finally {
            dev.setStagingOnly(false);
        }
    }

    @Test
    void transfersLargerThanTheStagingBufferGoInChunks() {
        VulkanDevice dev = VulkanTestDevice.get();
        dev.setStagingOnly(true);
        int n = (40 << 20) + 12;
        try (Arena arena = Arena.ofConfined(); DeviceBuffer b = dev.allocate(n)) {
            MemorySegment src = arena.allocate(n);
            for (long i = 0; i < n; i += 4096) {
                src.set(ValueLayout.JAVA_BYTE, i, (byte) (i >>> 12));
            }
            src.set(ValueLayout.JAVA_BYTE, n - 1, (byte) 77);
            dev.write(b, src);
            MemorySegment back = arena.allocate(n);
            dev.read(b, back);
            assertEquals(-1L, MemorySegment.mismatch(src, 0, n, back, 0, n));
        } finally {
            dev.setStagingOnly(false);
        }
    }

    @Test
    void smallAllocationsShareBlocksAndAreAccounted() {
        VulkanDevice dev = VulkanTestDevice.get();
        dev.synchronize();
        long before = dev.allocatorStats().inUseBytes();
        DeviceBuffer[] bufs = new DeviceBuffer[100];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = dev.allocate(1000 + i);
        }
        long during = dev.allocatorStats().inUseBytes();
        assertTrue(during - before >= 100 * 1000, "in use grew by " + (during - before));
        GpuBuffer first = (GpuBuffer) bufs[0];
        GpuBuffer last = (GpuBuffer) bufs[99];
        assertEquals(first.block, last.block, "sub-allocated from one block");
        for (DeviceBuffer b : bufs) {
            b.close();
        }
        assertEquals(before, dev.allocatorStats().inUseBytes());
        assertTrue(dev.allocatorStats().highWaterBytes() >= during);
    }

    @Test
    void aTensorLargerThanOneAllocationFailsClearly() {
        VulkanDevice dev = VulkanTestDevice.get();
        long tooBig = dev.info().maxMemoryAllocationSize() + 1;
        BackendException e = assertThrows(BackendException.class, () -> dev.allocate(tooBig));
        assertTrue(e.getMessage().contains("maxMemoryAllocationSize"), e.getMessage());
    }

    private static Node node(Op op, TensorSpec... inputs) {
        List<Value> in = new java.util.ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            in.add(new Value(i, inputs[i], "in" + i));
        }
        TensorSpec out = op.infer(List.of(inputs)).get(0);
        return new Node(7, op, in, List.of(new Value(inputs.length, out, "out")), "test.node");
    }

    @Test
    void dependentKernelsRunInOneSubmitWithABarrier() {
        VulkanDevice dev = VulkanTestDevice.get();
        TensorSpec s = new TensorSpec(DType.F32, Shape.of(1000));
        Kernel twice = dev.compile(node(new Affine(2, 0), s));
        Kernel plusOne = dev.compile(node(new Affine(1, 1), s));
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        try (DeviceBuffer a = dev.upload(Tensor.ofFloats(Shape.of(1000), x)); DeviceBuffer b = dev.allocate(4000);
             DeviceBuffer c = dev.allocate(4000)) {
            dev.synchronize();
            long submits = dev.submitCount();
            long barriers = dev.gpu().barriers();
            twice.run(List.of(a), List.of(b));
            plusOne.run(List.of(b), List.of(c));  // reads what the first wrote: needs a barrier
            twice.run(List.of(a), List.of(b));     // rewrites b, which the second read: a WAR barrier
            dev.synchronize();
            Tensor y = Tensor.zeros(DType.F32, Shape.of(1000));
            dev.read(c, y.data());
            for (int i = 0; i < x.length; i++) {
                assertEquals(2f * i + 1, y.getFloat(i));
            }
            assertEquals(submits + 1, dev.submitCount(), "one submit for the batch");
            assertEquals(barriers + 3, dev.gpu().barriers(), "RAW and WAR barriers, plus the final host barrier");
        }
    }

    @Test
    void anEmbeddingIdOutOfRangeIsAKernelExceptionNamingTheNode() {
        VulkanDevice dev = VulkanTestDevice.get();
        Tensor table = Tensor.ofFloats(Shape.of(3, 2), 1, 2, 3, 4, 5, 6);
        Tensor ids = Tensor.ofLongs(Shape.of(4), 0, 2, 9, 1);
        Node n = node(new Embedding(), table.spec(), ids.spec());
        Kernel k = dev.compile(n);
        try (DeviceBuffer t = dev.upload(table); DeviceBuffer i = dev.upload(ids); DeviceBuffer y = dev.allocate(32)) {
            k.run(List.of(t, i), List.of(y));
            KernelException e = assertThrows(KernelException.class, dev::synchronize);
            assertTrue(e.getMessage().contains("Embedding#7[test.node]") && e.getMessage().contains("id 9")
                    && e.getMessage().contains("position 2"), e.getMessage());
            // the device stays usable
            Tensor ok = Tensor.ofLongs(Shape.of(4), 0, 2, 2, 1);
            try (DeviceBuffer i2 = dev.upload(ok)) {
                k.run(List.of(t, i2), List.of(y));
                dev.synchronize();
                Tensor out = Tensor.zeros(DType.F32, Shape.of(4, 2));
                dev.read(y, out.data());
                assertArrayEquals(new float[] {1, 2, 5, 6, 5, 6, 3, 4}, out.toFloatArray());
            }
        }
    }

    @Test
    void devicesAreSelectedByIndexOrNameFragment() {
        VulkanDevice dev = VulkanTestDevice.get();
        List<DeviceInfo> ranked = List.of(dev.info());
        assertEquals(0, VulkanProbe.select(ranked, "0"));
        assertEquals(-1, VulkanProbe.select(ranked, "1"));
        String fragment = dev.info().name().substring(0, 3).toUpperCase(java.util.Locale.ROOT);
        assertEquals(0, VulkanProbe.select(ranked, fragment));
        assertEquals(-1, VulkanProbe.select(ranked, "no-such-gpu"));
        assertTrue(dev.name().startsWith("vulkan:"), dev.name());
        assertTrue(dev.capabilities().contains("fused-svdq-gemm-up-bias-act"), dev.capabilities().toString());
    }

    @Test
    void validationIsOnInTests() {
        VulkanTestDevice.get();
        if (VulkanTestDevice.ci()) {
            assertTrue(ValidationMessages.active(), "CI runs the Vulkan tests with VK_LAYER_KHRONOS_validation");
        }
    }
}
