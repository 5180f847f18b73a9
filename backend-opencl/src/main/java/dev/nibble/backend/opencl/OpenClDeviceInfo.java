package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.DeviceKind;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * What the driver says about one OpenCL device.
 *
 * @param localMemType    CL_DEVICE_LOCAL_MEM_TYPE: {@link CL#CL_LOCAL} for real on-chip local memory,
 *                        {@link CL#CL_GLOBAL} where it is emulated in global memory (PoCL's CPU device)
 * @param singleFpConfig  CL_DEVICE_SINGLE_FP_CONFIG bits
 */
record OpenClDeviceInfo(cl_platform_id platformId, cl_device_id id, String platform, String name, long type,
                        long globalMemBytes, String openclC, String extensions, long localMemType,
                        long localMemBytes, long maxWorkGroupSize, long computeUnits, long maxAllocBytes,
                        long singleFpConfig, String deviceVersion) {
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

    boolean hasExtension(String ext) {
        for (String e : extensions.split("\\s+")) {
            if (e.equals(ext)) {
                return true;
            }
        }
        return false;
    }

    /** Local memory is dedicated on-chip memory (not an emulation in global memory). */
    boolean realLocalMemory() {
        return localMemType == CL.CL_LOCAL && localMemBytes >= 16 * 1024;
    }

    boolean correctlyRoundedDivide() {
        return (singleFpConfig & CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
    }

    /** The OpenCL C version as major*10+minor ("OpenCL C 1.2 PoCL" → 12); 12 if unparsable. */
    int openclCVersion() {
        var m = java.util.regex.Pattern.compile("OpenCL C (\\d+)\\.(\\d+)").matcher(openclC);
        return m.find() ? Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2)) : 12;
    }
}
