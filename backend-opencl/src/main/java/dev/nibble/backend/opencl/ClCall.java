package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.KernelException;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.List;

/**
 * One kernel launch: arguments collected here, then set and enqueued atomically under the device
 * lock (kernel objects are shared). Buffers are passed as (cl_mem, offset) pairs: DeviceBuffer slices
 * share their parent's cl_mem, and OpenCL 1.2 sub-buffers would need CL_DEVICE_MEM_BASE_ADDR_ALIGN,
 * so the offset (in elements of the kernel's pointer type) is a {@code long} argument instead.
 */
final class ClCall {
    private record Arg(long size, Pointer value) {
    }

    private final OpenClDevice device;
    private final cl_kernel kernel;
    private final String kernelName;
    private final Node node;
    private final List<Arg> args = new ArrayList<>();
    private long bytes;

    ClCall(OpenClDevice device, cl_kernel kernel, String kernelName, Node node) {
        this.device = device;
        this.kernel = kernel;
        this.kernelName = kernelName;
        this.node = node;
    }

    /** A buffer and its offset in elements of {@code elemBytes} bytes. */
    ClCall buf(DeviceBuffer b, int elemBytes) {
        OpenClBuffer ob = (OpenClBuffer) b;
        if (ob.offset() % elemBytes != 0) {
            throw new KernelException("kernel '" + kernelName + "' of " + ClErrors.describe(node) + ": buffer offset "
                    + ob.offset() + " is not a multiple of its " + elemBytes + "-byte elements");
        }
        bytes += ob.byteSize();
        args.add(new Arg(Sizeof.cl_mem, Pointer.to(ob.mem())));
        args.add(new Arg(Sizeof.cl_long, Pointer.to(new long[] {ob.offset() / elemBytes})));
        return this;
    }

    /** An optional buffer: a placeholder (offset 0) when absent. */
    ClCall bufOrDummy(DeviceBuffer b, int elemBytes) {
        if (b != null) {
            return buf(b, elemBytes);
        }
        args.add(new Arg(Sizeof.cl_mem, Pointer.to(device.dummy())));
        args.add(new Arg(Sizeof.cl_long, Pointer.to(new long[] {0})));
        return this;
    }

    /** A whole internal buffer without an offset argument. */
    ClCall mem(cl_mem m) {
        args.add(new Arg(Sizeof.cl_mem, Pointer.to(m)));
        return this;
    }

    ClCall i(int v) {
        args.add(new Arg(Sizeof.cl_int, Pointer.to(new int[] {v})));
        return this;
    }

    ClCall i(boolean v) {
        return i(v ? 1 : 0);
    }

    ClCall l(long v) {
        args.add(new Arg(Sizeof.cl_long, Pointer.to(new long[] {v})));
        return this;
    }

    ClCall f(float v) {
        args.add(new Arg(Sizeof.cl_float, Pointer.to(new float[] {v})));
        return this;
    }

    /** An int8 vector argument (up to 8 values, the rest zero). */
    ClCall i8(int[] v) {
        if (v.length > 8) {
            throw new IllegalArgumentException("int8 argument with " + v.length + " values");
        }
        int[] p = new int[8];
        System.arraycopy(v, 0, p, 0, v.length);
        args.add(new Arg(Sizeof.cl_int * 8L, Pointer.to(p)));
        return this;
    }

    /** 1-D launch of {@code n} items in groups of {@code local} (the global size is rounded up). */
    void launch1(long n, int local) {
        launch(new long[] {n}, new long[] {local});
    }

    void launch2(long n0, long n1, int l0, int l1) {
        launch(new long[] {n0, n1}, new long[] {l0, l1});
    }

    void launch3(long n0, long n1, long n2, int l0, int l1, int l2) {
        launch(new long[] {n0, n1, n2}, new long[] {l0, l1, l2});
    }

    /** Enqueues over {@code global} items (each rounded up to a multiple of {@code local}); nothing when empty. */
    void launch(long[] global, long[] local) {
        long[] g = new long[global.length];
        for (int d = 0; d < global.length; d++) {
            if (global[d] <= 0) {
                return;
            }
            g[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        synchronized (device.lock()) {
            try {
                for (int i = 0; i < args.size(); i++) {
                    CL.clSetKernelArg(kernel, i, args.get(i).size(), args.get(i).value());
                }
                CL.clEnqueueNDRangeKernel(device.queue(), kernel, g.length, null, g, local, 0, null, null);
                device.enqueued(kernelName, node);
            } catch (CLException e) {
                throw ClErrors.launch(e, device.name(), kernelName, node, bytes);
            }
        }
    }
}
