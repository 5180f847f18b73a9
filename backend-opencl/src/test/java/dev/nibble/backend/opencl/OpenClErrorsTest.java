package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import org.jocl.CL;
import org.jocl.CLException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Driver failures surface as clear engine exceptions that name the kernel and the op; nothing crashes. */
class OpenClErrorsTest {
    private static final String BROKEN = """
            __kernel void broken_kernel(__global float* y, long yo) {
                y[yo] = this_symbol_does_not_exist * 2.0f;
            }
            """;

    @Test
    void brokenKernelSourceThrowsKernelExceptionWithBuildLogAndKernelName() {
        OpenClDevice d = OpenClTestSupport.device();
        KernelException e = assertThrows(KernelException.class,
                () -> d.programs().kernel("broken.cl", BROKEN, "-DTEST=1", "broken_kernel", "TestOp"));
        String msg = e.getMessage();
        assertTrue(msg.contains("'broken.cl'"), msg);
        assertTrue(msg.contains("broken_kernel"), msg);
        assertTrue(msg.contains("op TestOp"), msg);
        assertTrue(msg.contains("build log:"), msg);
        assertTrue(msg.contains("this_symbol_does_not_exist"), "the build log names the undeclared identifier: " + msg);
        assertTrue(msg.contains(d.name()), msg);

        // the failure is cached: asking again does not rebuild, and still explains why
        int builds = d.programs().buildCount();
        KernelException again = assertThrows(KernelException.class,
                () -> d.programs().kernel("broken.cl", BROKEN, "-DTEST=1", "broken_kernel", "TestOp"));
        assertTrue(again.getMessage().contains("this_symbol_does_not_exist"), again.getMessage());
        assertEquals(builds, d.programs().buildCount());
    }

    @Test
    void missingKernelNameIsAKernelException() {
        OpenClDevice d = OpenClTestSupport.device();
        String ok = "__kernel void present(__global float* y, long yo) { y[yo] = 1.0f; }";
        KernelException e = assertThrows(KernelException.class,
                () -> d.programs().kernel("ok.cl", ok, "", "absent", "TestOp"));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("TestOp"), e.getMessage());
    }

    @Test
    void programsAreBuiltOncePerSourceAndOptions() {
        OpenClDevice d = OpenClTestSupport.device();
        Node a = linear(7, 65, 64, DType.F16);
        Node b = linear(3, 9, 5, DType.F16);
        d.compile(a);
        int builds = d.programs().buildCount();
        d.compile(b);
        d.compile(a);
        assertEquals(builds, d.programs().buildCount(), "same source and options: no new build");
    }

    @Test
    void launchFailureNamesKernelAndOp() {
        OpenClDevice d = OpenClTestSupport.device();
        Node n = linear(2, 8, 8, DType.F32);
        // attention.cl requires work-groups of BQ items; launching with another size must fail cleanly
        ClFn fn = ClFn.of(d, "attention.cl", "-DDQ=8 -DDV=8 -DBQ=8 -DBK=16", "attention", n);
        try (DeviceBuffer buf = d.allocate(1024)) {
            ClCall call = fn.call();
            for (int i = 0; i < 5; i++) {
                call.buf(buf, 4);
            }
            call.i(1).i(1).i(1).f(1f).i(0).i(0).i(0).i(0).i(0).i(0);
            KernelException e = assertThrows(KernelException.class, () -> call.launch2(16, 1, 16, 1));
            assertTrue(e.getMessage().contains("'attention'") && e.getMessage().contains("Linear"), e.getMessage());
            assertTrue(e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE"), e.getMessage());
        }
    }

    @Test
    void driverStatusesMapToEngineExceptions() {
        Node n = linear(2, 8, 8, DType.F32);
        BackendException oom = ClErrors.launch(new CLException("x", CL.CL_MEM_OBJECT_ALLOCATION_FAILURE), "dev0",
                "linear_rb", n, 1234);
        assertInstanceOf(DeviceOutOfMemoryException.class, oom);
        assertTrue(oom.getMessage().contains("linear_rb") && oom.getMessage().contains("Linear"), oom.getMessage());
        BackendException res = ClErrors.launch(new CLException("x", CL.CL_OUT_OF_RESOURCES), "dev0", "linear_rb", n, 0);
        assertInstanceOf(KernelException.class, res);
        assertTrue(res.getMessage().contains("CL_OUT_OF_RESOURCES") && res.getMessage().contains("linear_rb"), res.getMessage());
        KernelException lost = ClErrors.sync(new CLException("x", CL.CL_DEVICE_NOT_AVAILABLE), "dev0", "svdq_gemm", n);
        assertTrue(lost.getMessage().contains("device lost") && lost.getMessage().contains("svdq_gemm"), lost.getMessage());
    }

    @Test
    void hugeAllocationIsDeviceOutOfMemory() {
        OpenClDevice d = OpenClTestSupport.device();
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> d.allocate(1L << 62));
        assertTrue(e.getMessage().contains(d.name()), e.getMessage());
    }

    @Test
    void embeddingIdOutOfRangeIsAKernelException() {
        OpenClDevice d = OpenClTestSupport.device();
        TensorSpec table = new TensorSpec(DType.F32, Shape.of(4, 3));
        TensorSpec ids = new TensorSpec(DType.I64, Shape.of(3));
        Node node = new Node(0, new Embedding(), List.of(new Value(0, table, "table"), new Value(1, ids, "ids")),
                List.of(new Value(2, new TensorSpec(DType.F32, Shape.of(3, 3)), "y")), "embed");
        Kernel k = d.compile(node);
        try (DeviceBuffer t = d.upload(Tensor.zeros(DType.F32, table.shape()));
             DeviceBuffer i = d.upload(Tensor.ofLongs(ids.shape(), 1, 7, 2));
             DeviceBuffer y = d.allocate(36)) {
            KernelException e = assertThrows(KernelException.class, () -> k.run(List.of(t, i), List.of(y)));
            assertTrue(e.getMessage().contains("id 7") && e.getMessage().contains("position 1"), e.getMessage());
        }
    }

    static Node linear(int m, int k, int n, DType wt) {
        Value x = new Value(0, new TensorSpec(DType.F32, Shape.of(m, k)), "x");
        Value w = new Value(1, new TensorSpec(wt, Shape.of(n, k)), "w");
        Value y = new Value(2, new TensorSpec(DType.F32, Shape.of(m, n)), "y");
        return new Node(0, new Linear(false), List.of(x, w), List.of(y), "proj");
    }
}
