package dev.nibble.bench.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * OpenBLAS {@code cblas_sgemm} through the FFM API, the same-run baseline for the GEMM benchmarks.
 * Needs {@code libopenblas.so.0} (Debian: {@code apt-get install libopenblas0}); run with
 * {@code OPENBLAS_CORETYPE=SkylakeX} so it uses its AVX-512 kernels on Zen 5 (it auto-detects Haswell).
 */
@SuppressWarnings("restricted")
public final class OpenBlas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final MethodHandle SGEMM;
    private static final String WHY_NOT;

    static {
        MethodHandle h = null;
        String why = null;
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libopenblas.so.0", Arena.global());
            h = Linker.nativeLinker().downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        } catch (Throwable e) {
            why = "libopenblas.so.0 not loadable (apt-get install libopenblas0): " + e;
        }
        SGEMM = h;
        WHY_NOT = why;
    }

    private OpenBlas() {
    }

    public static boolean available() {
        return SGEMM != null;
    }

    public static String unavailableReason() {
        return WHY_NOT;
    }

    /** {@code y [m, n] = x [m, k] · w [n, k]ᵀ} (row-major, F32). */
    public static void linear(int m, int n, int k, MemorySegment x, MemorySegment w, MemorySegment y) {
        if (SGEMM == null) {
            throw new IllegalStateException(WHY_NOT);
        }
        try {
            SGEMM.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, x, k, w, k, 0f, y, n);
        } catch (Throwable e) {
            throw new IllegalStateException("cblas_sgemm failed", e);
        }
    }
}
