package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend (JCuda, driver API only). Available when the NVIDIA driver ({@code libcuda.so.1})
 * loads, reports a device, this jar carries the kernels fatbin built by nvcc at build time with
 * code the device can run, and the device opens (context, stream, module). Probing happens once;
 * the answer and the opened devices are cached.
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";
    /** The fatbin the build writes when nvcc is present. */
    static final String FATBIN_RESOURCE = KernelImage.FATBIN_RESOURCE;

    private volatile State state;

    private record State(Availability availability, List<Device> devices) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        return state().availability();
    }

    @Override
    public List<Device> devices() {
        return state().devices();
    }

    @Override
    public int score() {
        return 100;
    }

    private State state() {
        State s = state;
        if (s == null) {
            synchronized (this) {
                s = state;
                if (s == null) {
                    s = runProbe();
                    state = s;
                }
            }
        }
        return s;
    }

    private static State runProbe() {
        int count;
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int rc = JCudaDriver.cuInit(0);
            if (rc != 0) {
                return unavailable("the NVIDIA driver failed to initialise: " + Cu.name(rc));
            }
            int[] n = new int[1];
            Cu.check(JCudaDriver.cuDeviceGetCount(n), "cuDeviceGetCount");
            count = n[0];
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return unavailable("no NVIDIA driver: libcuda.so.1 could not be loaded (" + firstLine(e.getMessage()) + ")");
        } catch (RuntimeException e) {
            return unavailable("CUDA driver error: " + e.getMessage());
        }
        if (count == 0) {
            return unavailable("the NVIDIA driver reports no CUDA device");
        }
        List<CudaDeviceInfo> infos = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                infos.add(CudaDeviceInfo.query(i));
            }
        } catch (RuntimeException e) {
            return unavailable("CUDA driver error while querying devices: " + e.getMessage());
        }
        KernelImage image = KernelImage.load();
        if (!image.present()) {
            return unavailable(count + " CUDA device(s) (" + infos.get(0).name() + ") but " + image.whyAbsent());
        }
        List<Device> devices = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (CudaDeviceInfo info : infos) {
            if (!image.fatbin().runsOn(info.major(), info.minor())) {
                skipped.add("cuda:" + info.ordinal() + " " + info.name() + " is sm_" + info.cc() + ", the kernels are built for "
                        + image.fatbin().describe());
                continue;
            }
            try {
                devices.add(new CudaDevice(info, image.bytes(), image.fatbin()));
            } catch (RuntimeException e) {
                skipped.add("cuda:" + info.ordinal() + " " + info.name() + ": " + e.getMessage());
            }
        }
        if (devices.isEmpty()) {
            return unavailable(count + " CUDA device(s) but none usable: " + String.join("; ", skipped));
        }
        StringBuilder sb = new StringBuilder();
        for (Device d : devices) {
            sb.append(sb.isEmpty() ? "" : "; ").append(((CudaDevice) d).describe());
        }
        if (!skipped.isEmpty()) {
            sb.append("; skipped: ").append(String.join("; ", skipped));
        }
        return new State(Availability.available(sb.toString()), List.copyOf(devices));
    }

    private static State unavailable(String reason) {
        return new State(Availability.unavailable(reason), List.of());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
