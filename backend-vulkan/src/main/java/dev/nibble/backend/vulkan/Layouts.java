package dev.nibble.backend.vulkan;

import dev.nibble.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/** Index arithmetic the host does for the shaders: broadcast strides and axis collapsing. */
final class Layouts {
    static final int MAX_RANK = 6;

    private Layouts() {
    }

    /** Dims and per-operand strides (in elements) after merging axes that are contiguous for every operand. */
    record Collapsed(long[] dims, long[][] strides) {
        int rank() {
            return dims.length;
        }
    }

    /** Strides of {@code in} read as {@code out} with NumPy broadcasting (0 on broadcast axes). */
    static long[] broadcastStrides(Shape in, Shape out) {
        int r = out.rank();
        int off = r - in.rank();
        long[] inStrides = in.strides();
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            int a = i - off;
            s[i] = a < 0 || in.dim(a) == 1 ? 0 : inStrides[a];
        }
        return s;
    }

    /**
     * Drops size-1 axes and merges axis i into i+1 wherever, for every operand, stride[i] equals
     * stride[i+1]·dim[i+1]. The flat output index enumerates the same elements in the same order.
     */
    static Collapsed collapse(long[] dims, long[]... strides) {
        List<Long> d = new ArrayList<>();
        List<long[]> s = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 1) {
                continue;
            }
            long[] col = new long[strides.length];
            for (int k = 0; k < strides.length; k++) {
                col[k] = strides[k][i];
            }
            if (!d.isEmpty()) {
                long[] prev = s.get(s.size() - 1);
                boolean merge = true;
                for (int k = 0; k < strides.length; k++) {
                    if (prev[k] != col[k] * dims[i]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    d.set(d.size() - 1, d.get(d.size() - 1) * dims[i]);
                    s.set(s.size() - 1, col);
                    continue;
                }
            }
            d.add(dims[i]);
            s.add(col);
        }
        if (d.isEmpty()) {
            d.add(1L);
            s.add(new long[strides.length]);
        }
        long[] outDims = d.stream().mapToLong(Long::longValue).toArray();
        long[][] outStrides = new long[strides.length][outDims.length];
        for (int i = 0; i < outDims.length; i++) {
            for (int k = 0; k < strides.length; k++) {
                outStrides[k][i] = s.get(i)[k];
            }
        }
        return new Collapsed(outDims, outStrides);
    }

    static long[] toLong(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }

    /** The largest of 4, 2, 1 dividing every value (element size of a raw copy). */
    static int unit(long... values) {
        for (int u : new int[] {4, 2}) {
            boolean ok = true;
            for (long v : values) {
                if (v % u != 0) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return u;
            }
        }
        return 1;
    }
}
