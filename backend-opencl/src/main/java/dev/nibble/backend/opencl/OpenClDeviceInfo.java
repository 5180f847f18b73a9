package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.DeviceKind;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** What the driver says about one OpenCL device. */
record OpenClDeviceInfo(cl_platform_id platformId, cl_device_id id, String platform, String name, long type,
                        long globalMemBytes, String openclC, String extensions) {
    DeviceKind kind() {
        if ((type & CL.CL_DEVICE_TYPE_GPU) != 0) {
            return extensions.contains("cl_intel") || name.toLowerCase(java.util.Locale.ROOT).contains("integrated")
                    ? DeviceKind.IGPU : DeviceKind.GPU;
        }
        if ((type & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return DeviceKind.ACCELERATOR;
        }
        return DeviceKind.CPU;
    }

    String kindName() {
        return kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** GPUs before accelerators before CPU devices. */
    int rank() {
        return switch (kind()) {
            case GPU -> 3;
            case IGPU -> 2;
            case ACCELERATOR -> 1;
            case CPU -> 0;
        };
    }
}
