package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.Availability;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Finds OpenCL platforms and devices once; never throws (a missing ICD or library is a reason). */
final class OpenClProbe {
    record Found(Availability availability, List<OpenClDeviceInfo> devices) {
    }

    private OpenClProbe() {
    }

    private static Found cached;

    /** The probe's answer; drivers are asked once per process (the Vulkan loader can be created only once). */
    static synchronized Found run() {
        if (cached == null) {
            cached = probe();
        }
        return cached;
    }

    private static Found probe() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            CL.clGetPlatformIDs(0, null, count);
            if (count[0] == 0) {
                return new Found(Availability.unavailable("no OpenCL platform (install an ICD, e.g. pocl-opencl-icd)"), List.of());
            }
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            CL.clGetPlatformIDs(count[0], platforms, null);
            List<OpenClDeviceInfo> devices = new ArrayList<>();
            for (cl_platform_id p : platforms) {
                int[] n = new int[1];
                try {
                    CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, n);
                } catch (CLException e) {
                    continue; // CL_DEVICE_NOT_FOUND on this platform
                }
                cl_device_id[] ids = new cl_device_id[n[0]];
                CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, n[0], ids, null);
                String platformName = string(p);
                for (cl_device_id id : ids) {
                    devices.add(new OpenClDeviceInfo(p, id, platformName, deviceString(id, CL.CL_DEVICE_NAME),
                            deviceLong(id, CL.CL_DEVICE_TYPE), deviceLong(id, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
                            deviceString(id, CL.CL_DEVICE_OPENCL_C_VERSION), deviceString(id, CL.CL_DEVICE_EXTENSIONS),
                            deviceLong(id, CL.CL_DEVICE_LOCAL_MEM_TYPE), deviceLong(id, CL.CL_DEVICE_LOCAL_MEM_SIZE),
                            deviceLong(id, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE), deviceLong(id, CL.CL_DEVICE_MAX_COMPUTE_UNITS),
                            deviceLong(id, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE), deviceLong(id, CL.CL_DEVICE_SINGLE_FP_CONFIG),
                            deviceString(id, CL.CL_DEVICE_VERSION)));
                }
            }
            if (devices.isEmpty()) {
                return new Found(Availability.unavailable(count[0] + " OpenCL platform(s) but no device"), List.of());
            }
            devices.sort(Comparator.comparingInt(OpenClDeviceInfo::rank).reversed());
            OpenClDeviceInfo best = devices.get(0);
            return new Found(Availability.available(devices.size() + " device(s); best: " + best.name() + " ("
                    + best.kindName() + ", " + best.platform() + ", " + best.openclC() + ")"), devices);
        } catch (CLException e) {
            return new Found(Availability.unavailable("no OpenCL platform: " + e.getMessage()), List.of());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return new Found(Availability.unavailable("OpenCL library not loadable (libOpenCL.so.1 missing? install ocl-icd-libopencl1): "
                    + e.getMessage()), List.of());
        } catch (RuntimeException e) {
            return new Found(Availability.unavailable("OpenCL probe failed: " + e), List.of());
        }
    }

    private static String string(cl_platform_id p) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, CL.CL_PLATFORM_NAME, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, CL.CL_PLATFORM_NAME, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static long deviceLong(cl_device_id d, int param) {
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 8, Pointer.to(buf), null);
        return buf.getLong(0);
    }

    private static String cString(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
