package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.BackendException;
import jcuda.driver.CUresult;

/** Checking of CUDA driver return codes (JCuda's exceptions stay disabled; every call is checked here). */
final class Cu {
    static final int OUT_OF_MEMORY = CUresult.CUDA_ERROR_OUT_OF_MEMORY;

    private Cu() {
    }

    /** Throws a {@link CudaError} naming {@code what} unless {@code rc} is CUDA_SUCCESS. */
    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new CudaError(rc, what);
        }
    }

    static String name(int rc) {
        try {
            return CUresult.stringFor(rc);
        } catch (RuntimeException e) {
            return "CUDA error " + rc;
        }
    }

    /** A failed driver call: the call, the error name and code. */
    static final class CudaError extends BackendException {
        final int code;

        CudaError(int code, String what) {
            super(what + " failed: " + name(code) + " (" + code + ")");
            this.code = code;
        }
    }
}
