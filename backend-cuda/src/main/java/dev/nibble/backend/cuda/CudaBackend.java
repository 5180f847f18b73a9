package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;
import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import java.util.List;

/**
 * The CUDA backend (JCuda driver API only). Available when the NVIDIA driver ({@code libcuda.so.1})
 * loads, reports a device, and this jar carries the kernels fatbin built by nvcc at build time.
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";
    /** The fatbin the build writes when nvcc is present. */
    static final String FATBIN_RESOURCE = "/dev/nibble/backend/cuda/nibble_kernels.fatbin";
    private volatile Availability availability;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        if (availability == null) {
            synchronized (this) {
                if (availability == null) {
                    availability = runProbe();
                }
            }
        }
        return availability;
    }

    private static Availability runProbe() {
        int count;
        String name;
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] n = new int[1];
            JCudaDriver.cuDeviceGetCount(n);
            count = n[0];
            if (count == 0) {
                return Availability.unavailable("the NVIDIA driver reports no CUDA device");
            }
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, 0);
            byte[] b = new byte[256];
            JCudaDriver.cuDeviceGetName(b, b.length, dev);
            name = new String(b, java.nio.charset.StandardCharsets.UTF_8).trim().replace("\0", "");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return Availability.unavailable("no NVIDIA driver: libcuda.so.1 could not be loaded ("
                    + firstLine(e.getMessage()) + ")");
        } catch (CudaException e) {
            return Availability.unavailable("CUDA driver error: " + e.getMessage());
        }
        if (CudaBackend.class.getResource(FATBIN_RESOURCE) == null) {
            return Availability.unavailable(count + " CUDA device(s) (" + name + ") but no kernels built into this jar "
                    + "(nvcc was absent at build time, or the CUDA kernels have not landed yet)");
        }
        return Availability.unavailable(count + " CUDA device(s) (" + name + "): kernels present but the CUDA device "
                + "runtime has not landed yet");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    @Override
    public List<Device> devices() {
        return List.of(); // no device is usable until the CUDA runtime lands (see probe())
    }

    @Override
    public int score() {
        return 100;
    }
}
