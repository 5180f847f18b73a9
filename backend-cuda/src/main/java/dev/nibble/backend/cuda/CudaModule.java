package dev.nibble.backend.cuda;

import dev.nibble.engine.spi.KernelException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The loaded kernels fatbin of one device context, with kernels looked up by name and cached. */
final class CudaModule {
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final Set<String> raisedSmem = ConcurrentHashMap.newKeySet();

    /** Loads {@code fatbin} into the current context (the driver picks the cubin for the device, or JITs the PTX). */
    CudaModule(byte[] fatbin) {
        Cu.check(JCudaDriver.cuModuleLoadData(module, fatbin), "cuModuleLoadData(nibble_kernels.fatbin)");
    }

    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            int rc = JCudaDriver.cuModuleGetFunction(f, module, n);
            if (rc != 0) {
                throw new KernelException("kernel '" + n + "' is not in the loaded fatbin: " + Cu.name(rc));
            }
            return f;
        });
    }

    /** Lets {@code name} use {@code bytes} of dynamic shared memory (needed above 48 KiB). */
    void allowDynamicSmem(String name, int bytes) {
        if (bytes <= 48 * 1024 || !raisedSmem.add(name + ":" + bytes)) {
            return;
        }
        Cu.check(JCudaDriver.cuFuncSetAttribute(function(name),
                CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "cuFuncSetAttribute(" + name + ", max dynamic shared memory " + bytes + ")");
    }

    /** The names of {@code wanted} that this module lacks. */
    Set<String> missing(Set<String> wanted) {
        Set<String> out = new HashSet<>();
        for (String n : wanted) {
            CUfunction f = new CUfunction();
            if (JCudaDriver.cuModuleGetFunction(f, module, n) != 0) {
                out.add(n);
            }
        }
        return out;
    }
}
