package dev.nibble.backend.opencl;

import dev.nibble.engine.spi.KernelException;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Program build cache of one device: a program is built once per (source, build options) and its
 * kernel objects are created once per name. Sources are {@code .cl} resources next to this class,
 * each prefixed with {@code common.cl}. Builds happen lazily, when the first node needing a program is
 * compiled. A failed build throws a {@link KernelException} carrying the build log and naming the
 * kernel and op that asked for it. Programs are first built with the device's feature macros
 * (sub-groups, integer dot product); if that fails they are rebuilt without them.
 */
final class ClPrograms {
    private static final Logger LOG = LoggerFactory.getLogger(ClPrograms.class);
    private static final String RESOURCE_DIR = "/dev/nibble/backend/opencl/";
    private static final Map<String, String> SOURCES = new ConcurrentHashMap<>();

    private final OpenClDevice device;
    private final Map<String, Program> programs = new HashMap<>();
    /** Builds that failed, by key: not retried (every node needing them fails with the same log). */
    private final Map<String, KernelException> failures = new HashMap<>();
    private final AtomicInteger builds = new AtomicInteger();

    /** A built program and its kernel objects (guarded by the device lock). */
    static final class Program {
        final cl_program program;
        final String name;
        final String options;
        final Map<String, cl_kernel> kernels = new HashMap<>();

        Program(cl_program program, String name, String options) {
            this.program = program;
            this.name = name;
            this.options = options;
        }
    }

    ClPrograms(OpenClDevice device) {
        this.device = device;
    }

    /** Programs built so far (the cache's misses). */
    int buildCount() {
        return builds.get();
    }

    /** The text of a kernel resource ("linear.cl"), prefixed with common.cl. */
    static String source(String resource) {
        return SOURCES.computeIfAbsent(resource, r -> {
            String common = r.equals("common.cl") ? "" : load("common.cl") + "\n#line 1\n";
            return common + load(r);
        });
    }

    private static String load(String resource) {
        try (InputStream in = ClPrograms.class.getResourceAsStream(RESOURCE_DIR + resource)) {
            if (in == null) {
                throw new KernelException("OpenCL kernel source " + RESOURCE_DIR + resource + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KernelException("cannot read OpenCL kernel source " + resource + ": " + e.getMessage(), e);
        }
    }

    /**
     * The kernel {@code kernelName} of resource {@code resource} built with {@code defines} (e.g.
     * "-DWT=1"), building the program on first use. {@code opName} names the op in errors.
     */
    cl_kernel kernel(String resource, String defines, String kernelName, String opName) {
        return kernel(resource, source(resource), defines, kernelName, opName);
    }

    /** As {@link #kernel(String, String, String, String)} with explicit source text (tests, generated code). */
    cl_kernel kernel(String programName, String source, String defines, String kernelName, String opName) {
        synchronized (device.lock()) {
            Program p = program(programName, source, defines, kernelName, opName);
            cl_kernel k = p.kernels.get(kernelName);
            if (k == null) {
                try {
                    k = CL.clCreateKernel(p.program, kernelName, null);
                } catch (CLException e) {
                    throw new KernelException("OpenCL program '" + programName + "' built for op " + opName + " on "
                            + device.name() + " has no usable kernel '" + kernelName + "': "
                            + ClErrors.status(e.getStatus()), e);
                }
                p.kernels.put(kernelName, k);
            }
            return k;
        }
    }

    private Program program(String name, String source, String defines, String kernelName, String opName) {
        String key = name + "\u0000" + defines + "\u0000" + source.hashCode() + "\u0000" + source.length();
        Program p = programs.get(key);
        if (p != null) {
            return p;
        }
        KernelException failed = failures.get(key);
        if (failed != null) {
            throw new KernelException("kernel '" + kernelName + "' (op " + opName + ") cannot be built: "
                    + failed.getMessage(), failed);
        }
        try {
            p = buildWithFallback(name, source, defines, kernelName, opName);
        } catch (KernelException e) {
            failures.put(key, e);
            throw e;
        }
        programs.put(key, p);
        return p;
    }

    private Program buildWithFallback(String name, String source, String defines, String kernelName, String opName) {
        Tuning t = device.tuning();
        Program p;
        String options = t.baseOptions(true) + (defines.isBlank() ? "" : " " + defines.trim());
        BuildFailure first;
        try {
            p = build(name, source, options);
        } catch (BuildFailure f) {
            first = f;
            if (!t.hasFeatures()) {
                throw error(name, kernelName, opName, f);
            }
            String plain = t.baseOptions(false) + (defines.isBlank() ? "" : " " + defines.trim());
            LOG.warn("OpenCL program {} failed to build on {} with its feature macros ({}); retrying without them",
                    name, device.name(), first.status);
            try {
                p = build(name, source, plain);
            } catch (BuildFailure second) {
                throw error(name, kernelName, opName, second);
            }
        }
        return p;
    }

    private KernelException error(String name, String kernelName, String opName, BuildFailure f) {
        return new KernelException("building OpenCL program '" + name + "' (kernel '" + kernelName + "', op " + opName
                + ") for " + device.name() + " failed: " + f.status + "\nbuild options: " + f.options
                + "\nbuild log:\n" + (f.log.isBlank() ? "(empty)" : f.log.strip()), f.getCause());
    }

    /** A failed clBuildProgram with its log. */
    private static final class BuildFailure extends Exception {
        final String status;
        final String options;
        final String log;

        BuildFailure(String status, String options, String log, Throwable cause) {
            super(status, cause);
            this.status = status;
            this.options = options;
            this.log = log;
        }
    }

    private Program build(String name, String source, String options) throws BuildFailure {
        cl_device_id dev = device.info().id();
        cl_program prog;
        try {
            prog = CL.clCreateProgramWithSource(device.context(), 1, new String[] {source}, null, null);
        } catch (CLException e) {
            throw new BuildFailure(ClErrors.status(e.getStatus()), options, "", e);
        }
        long t0 = System.nanoTime();
        try {
            CL.clBuildProgram(prog, 1, new cl_device_id[] {dev}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(prog, dev);
            try {
                CL.clReleaseProgram(prog);
            } catch (CLException ignored) {
                // the build failure is what matters
            }
            throw new BuildFailure(ClErrors.status(e.getStatus()), options, log, e);
        }
        builds.incrementAndGet();
        LOG.debug("built OpenCL program {} for {} in {} ms ({})", name, device.name(),
                (System.nanoTime() - t0) / 1_000_000, options);
        return new Program(prog, name, options);
    }

    static String buildLog(cl_program prog, cl_device_id dev) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(prog, dev, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            if (size[0] <= 1) {
                return "";
            }
            byte[] b = new byte[(int) Math.min(size[0], 1 << 20)];
            CL.clGetProgramBuildInfo(prog, dev, CL.CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            int n = b.length;
            while (n > 0 && b[n - 1] == 0) {
                n--;
            }
            return new String(b, 0, n, StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(no build log: " + ClErrors.status(e.getStatus()) + ")";
        }
    }
}
