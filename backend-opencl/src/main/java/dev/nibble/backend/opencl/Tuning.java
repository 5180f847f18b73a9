package dev.nibble.backend.opencl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How kernels are shaped for one device, decided once from what the driver reports.
 *
 * <ul>
 *   <li>{@code localTiles}: the device has real on-chip local memory (CL_DEVICE_LOCAL_MEM_TYPE ==
 *       CL_LOCAL), so GEMMs stage tiles there, attention stages K/V blocks there and row reductions
 *       use one work-group per row. Otherwise (PoCL's CPU device emulates local memory in global
 *       memory) kernels block in registers: one work-item per row, several outputs per item, vector
 *       loads.</li>
 *   <li>{@code rowGroup}: work-group size of the row kernels (norms, softmax, SVDQ quantisation) when
 *       {@code localTiles}; 1 otherwise.</li>
 *   <li>{@code cpuKernels}: the device is a CPU (CL_DEVICE_TYPE_CPU) without real local memory:
 *       Linear and the SVDQ GEMM use kernels written for it (weights packed once into panels that the
 *       inner loop reads as contiguous 16-wide vectors, a large register block per single-item
 *       work-group), and on x86 with AVX2 ({@code NB_X86}, a feature macro) the 4-bit GEMM multiplies
 *       through pmaddubsw. The system property {@code nibble.opencl.cpuKernels} overrides.</li>
 *   <li>Feature macros: {@code NB_SUBGROUPS} (cl_khr_subgroups: reductions through sub-group
 *       collectives), {@code NB_INT_DOT} (cl_khr_integer_dot_product: packed int8 dot products in the
 *       4-bit GEMM), {@code NB_FP16} (cl_khr_fp16, reported; half data is always read through
 *       vload_half, which every device has). A program that fails to build with them is rebuilt
 *       without, so a driver's broken extension costs speed, not correctness.</li>
 * </ul>
 *
 * The system property {@code nibble.opencl.localTiles} ({@code true}/{@code false}) overrides the
 * decision (tests use it to run the tiled kernels on PoCL, whose local memory works, just slowly).
 */
record Tuning(boolean localTiles, int rowGroup, boolean subgroups, boolean intDot, boolean fp16,
              boolean correctDivide, int clC, boolean cpuKernels, boolean x86) {

    static Tuning of(OpenClDeviceInfo info) {
        String force = System.getProperty("nibble.opencl.localTiles");
        boolean local = force != null ? Boolean.parseBoolean(force.trim().toLowerCase(Locale.ROOT)) : info.realLocalMemory();
        return of(info, local);
    }

    static Tuning of(OpenClDeviceInfo info, boolean localTiles) {
        String force = System.getProperty("nibble.opencl.cpuKernels");
        boolean cpu = force != null ? Boolean.parseBoolean(force.trim().toLowerCase(Locale.ROOT))
                : info.kind() == dev.nibble.engine.spi.DeviceKind.CPU;
        return of(info, localTiles, cpu);
    }

    /** {@code cpuKernels} only where the device has no local-memory tiles (the tiled kernels win). */
    static Tuning of(OpenClDeviceInfo info, boolean localTiles, boolean cpuKernels) {
        long wg = Math.max(1, info.maxWorkGroupSize());
        boolean tiles = localTiles && wg >= 256 && info.localMemBytes() >= 16 * 1024;
        int rowGroup = tiles ? Math.min(256, Integer.highestOneBit((int) Math.min(wg, 1 << 20))) : 1;
        return new Tuning(tiles, rowGroup,
                info.hasExtension("cl_khr_subgroups"),
                info.hasExtension("cl_khr_integer_dot_product"),
                info.hasExtension("cl_khr_fp16"),
                info.correctlyRoundedDivide(),
                info.openclCVersion(),
                cpuKernels && !tiles,
                cpuKernels && !tiles && x86Host());
    }

    /** The same tuning with the x86 builtins allowed or not (tests run the portable CPU path). */
    Tuning withX86(boolean on) {
        return new Tuning(localTiles, rowGroup, subgroups, intDot, fp16, correctDivide, clC, cpuKernels, on && cpuKernels);
    }

    /** The host is x86-64 (a CPU device runs on the host's cores): x86 builtins may be tried. */
    private static boolean x86Host() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** Build options every program gets: the language version, exact division, the feature macros. */
    String baseOptions(boolean withFeatures) {
        List<String> o = new ArrayList<>();
        // OpenCL C 1.2 everywhere; 2.0 only for the sub-group collectives (cl_khr_subgroups needs it)
        boolean sg = withFeatures && subgroups && clC >= 20;
        o.add(sg ? "-cl-std=CL2.0" : clC >= 12 ? "-cl-std=CL1.2" : "-cl-std=CL1.1");
        if (correctDivide) {
            o.add("-cl-fp32-correctly-rounded-divide-sqrt");
        }
        o.add("-DNB_LOCAL_TILES=" + (localTiles ? 1 : 0));
        if (withFeatures) {
            if (sg) {
                o.add("-DNB_SUBGROUPS=1");
            }
            if (intDot) {
                o.add("-DNB_INT_DOT=1");
            }
            if (fp16) {
                o.add("-DNB_FP16=1");
            }
            if (x86) {
                o.add("-DNB_X86=1");
            }
        }
        o.add("-DNB_CPU=" + (cpuKernels ? 1 : 0));
        return String.join(" ", o);
    }

    boolean hasFeatures() {
        return (subgroups && clC >= 20) || intDot || fp16 || x86;
    }

    /** Capability names for {@link dev.nibble.engine.spi.Device#capabilities()}. */
    Set<String> capabilities() {
        Set<String> c = new LinkedHashSet<>();
        c.add(localTiles ? "local-memory-tiling" : cpuKernels ? "cpu-packed-gemm" : "register-blocking");
        if (subgroups) {
            c.add("subgroups");
        }
        if (intDot) {
            c.add("integer-dot-product");
        }
        if (fp16) {
            c.add("fp16");
        }
        return c;
    }
}
