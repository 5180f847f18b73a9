package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceOutOfMemoryException;
import dev.nibble.engine.spi.KernelException;
import org.jocl.CL;
import org.jocl.CLException;

/** Turns driver status codes into the engine's exceptions, naming the device, kernel and node. */
final class ClErrors {
    private ClErrors() {
    }

    static String status(int code) {
        try {
            return CL.stringFor_errorCode(code);
        } catch (RuntimeException e) {
            return "CL error " + code;
        }
    }

    static boolean outOfMemory(int code) {
        return code == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL.CL_OUT_OF_HOST_MEMORY
                || code == CL.CL_INVALID_BUFFER_SIZE;
    }

    /** What a status means for a user, beyond its name. */
    static String explain(int code) {
        if (code == CL.CL_OUT_OF_RESOURCES) {
            return " (the device ran out of resources: registers or local memory for this work-group size,"
                    + " a kernel fault, or the device was lost)";
        }
        if (outOfMemory(code)) {
            return " (device memory exhausted)";
        }
        if (code == CL.CL_DEVICE_NOT_AVAILABLE || code == CL.CL_INVALID_COMMAND_QUEUE || code == CL.CL_INVALID_CONTEXT) {
            return " (the device is no longer available: device lost or driver reset)";
        }
        return "";
    }

    /** An enqueue of {@code kernel} for {@code node} failed. */
    static BackendException launch(CLException e, String device, String kernel, Node node, long bytes) {
        int code = e.getStatus();
        String where = "kernel '" + kernel + "' of " + describe(node);
        if (outOfMemory(code)) {
            DeviceOutOfMemoryException oom = new DeviceOutOfMemoryException(device + " while running " + where, bytes, -1);
            oom.initCause(e);
            return oom;
        }
        return new KernelException("OpenCL " + status(code) + explain(code) + " running " + where + " on " + device, e);
    }

    /** Waiting for the queue failed; the last kernel enqueued is the likely culprit. */
    static KernelException sync(CLException e, String device, String lastKernel, Node lastNode) {
        int code = e.getStatus();
        String last = lastKernel == null ? "" : "; the last kernel enqueued was '" + lastKernel + "' of " + describe(lastNode);
        return new KernelException("OpenCL " + status(code) + explain(code) + " while waiting for " + device + last, e);
    }

    static String describe(Node node) {
        return node == null ? "(no node)" : node + " (" + node.op().opName() + ")";
    }
}
