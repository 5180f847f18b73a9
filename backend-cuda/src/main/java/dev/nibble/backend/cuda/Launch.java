package dev.nibble.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of one kernel launch, in the kernel's order: device pointers (slices carry their
 * offsets), scalars, and by-value structs (passed as the array holding their bytes).
 */
final class Launch {
    private final List<NativePointerObject> params = new ArrayList<>();
    private final List<String> shown = new ArrayList<>();

    Launch ptr(CudaBuffer b) {
        params.add(Pointer.to(b.pointer()));
        shown.add("ptr");
        return this;
    }

    /** A pointer parameter that may be null (optional bias, mask, ...). */
    Launch ptrOrNull(CudaBuffer b) {
        if (b == null) {
            params.add(Pointer.to(new long[] {0L}));
            shown.add("null");
            return this;
        }
        return ptr(b);
    }

    Launch i32(int v) {
        params.add(Pointer.to(new int[] {v}));
        shown.add(Integer.toString(v));
        return this;
    }

    Launch i64(long v) {
        params.add(Pointer.to(new long[] {v}));
        shown.add(v + "L");
        return this;
    }

    Launch f32(float v) {
        params.add(Pointer.to(new float[] {v}));
        shown.add(v + "f");
        return this;
    }

    /** A struct of 64-bit fields, by value. */
    Launch struct(long[] fields) {
        params.add(Pointer.to(fields.clone()));
        shown.add("struct" + java.util.Arrays.toString(fields));
        return this;
    }

    /** A struct of 32-bit fields, by value. */
    Launch struct(int[] fields) {
        params.add(Pointer.to(fields.clone()));
        shown.add("struct" + java.util.Arrays.toString(fields));
        return this;
    }

    Pointer kernelParams() {
        return Pointer.to(params.toArray(NativePointerObject[]::new));
    }

    @Override
    public String toString() {
        return String.join(", ", shown);
    }
}
