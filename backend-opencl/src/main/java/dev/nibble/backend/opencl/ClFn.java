package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_kernel;

/** A built kernel of a device, resolved once when a node is compiled; {@link #call()} starts a launch. */
record ClFn(OpenClDevice device, cl_kernel kernel, String name, Node node) {
    static ClFn of(OpenClDevice d, String resource, String defines, String kernelName, Node node) {
        return new ClFn(d, d.programs().kernel(resource, defines, kernelName, node.op().opName()), kernelName, node);
    }

    ClCall call() {
        return new ClCall(device, kernel, name, node);
    }

    /**
     * The largest work-group this kernel can run with on its device (CL_KERNEL_WORK_GROUP_SIZE: less
     * than the device maximum when the kernel needs many registers or much local memory).
     */
    long maxWorkGroup() {
        long[] v = new long[1];
        synchronized (device.lock()) {
            try {
                CL.clGetKernelWorkGroupInfo(kernel, device.info().id(), CL.CL_KERNEL_WORK_GROUP_SIZE, 8, Pointer.to(v), null);
            } catch (CLException e) {
                return device.info().maxWorkGroupSize();
            }
        }
        return v[0];
    }
}
