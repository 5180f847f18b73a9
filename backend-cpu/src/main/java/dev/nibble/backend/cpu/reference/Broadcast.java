package dev.nibble.backend.cpu.reference;

import dev.nibble.engine.tensor.Shape;

/** NumPy broadcasting: for each flat index of the output shape, the flat index into an input. */
final class Broadcast {
    private Broadcast() {
    }

    /**
     * Flat input index for every output element: {@code map[o]} is the element of {@code in} that
     * output element {@code o} reads (dimensions of size 1, and missing leading ones, repeat).
     */
    static int[] indexMap(Shape in, Shape out) {
        int r = out.rank();
        int off = r - in.rank();
        long[] inStrides = in.strides();
        long[] strides = new long[r]; // input stride per output axis; 0 where broadcast
        for (int i = 0; i < r; i++) {
            int a = i - off;
            strides[i] = a < 0 || in.dim(a) == 1 ? 0 : inStrides[a];
        }
        int n = Io.toInt(out.numel());
        int[] map = new int[n];
        int[] idx = new int[r];
        long pos = 0;
        for (int o = 0; o < n; o++) {
            map[o] = (int) pos;
            for (int i = r - 1; i >= 0; i--) { // odometer increment of the output index
                idx[i]++;
                pos += strides[i];
                if (idx[i] < out.dim(i)) {
                    break;
                }
                pos -= strides[i] * idx[i];
                idx[i] = 0;
            }
        }
        return map;
    }
}
