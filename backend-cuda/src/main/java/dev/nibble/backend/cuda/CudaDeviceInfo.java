package dev.nibble.backend.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** What the driver says about one CUDA device. */
record CudaDeviceInfo(int ordinal, String name, int major, int minor, int multiprocessors, long totalMemory,
                      int sharedMemoryOptin, int driverVersion) {

    static CudaDeviceInfo query(int ordinal) {
        CUdevice dev = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] b = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(b, b.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < b.length && b[len] != 0) {
            len++;
        }
        String name = new String(b, 0, len, StandardCharsets.UTF_8).trim();
        long[] mem = new long[1];
        Cu.check(JCudaDriver.cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        int[] v = new int[1];
        Cu.check(JCudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        return new CudaDeviceInfo(ordinal, name,
                attr(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attr(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                attr(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                mem[0],
                attr(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
                v[0]);
    }

    private static int attr(CUdevice dev, int a) {
        int[] v = new int[1];
        Cu.check(JCudaDriver.cuDeviceGetAttribute(v, a, dev), "cuDeviceGetAttribute(" + a + ")");
        return v[0];
    }

    /** Compute capability as an integer, e.g. 90 for 9.0. */
    int cc() {
        return major * 10 + minor;
    }

    String describe() {
        return String.format(Locale.ROOT, "%s, sm_%d%d, %d SMs, %.1f GiB, driver %d.%d", name, major, minor,
                multiprocessors, totalMemory / (double) (1L << 30), driverVersion / 1000, (driverVersion % 1000) / 10);
    }
}
