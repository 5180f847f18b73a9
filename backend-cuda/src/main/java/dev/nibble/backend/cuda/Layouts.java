package dev.nibble.backend.cuda;

import dev.nibble.engine.tensor.Shape;

/**
 * The by-value shape structs of the kernels (NbBcast, NbPermute, NbPad in common.cuh), built on the
 * host as arrays of 64-bit fields. Pure functions, unit-tested against direct index arithmetic.
 */
final class Layouts {
    static final int MAX_RANK = 8;

    private Layouts() {
    }

    /**
     * NbBcast for {@code a (op) b → out}: [rank, dims[8], sa[8], sb[8]] with axes of size 1 dropped
     * and adjacent axes merged where both inputs stay contiguous across them; null if the collapsed
     * rank still exceeds 8.
     */
    static long[] broadcast(Shape a, Shape b, Shape out) {
        int r = out.rank();
        long[] dims = new long[Math.max(r, 1)], sa = new long[Math.max(r, 1)], sb = new long[Math.max(r, 1)];
        long[] as = inputStrides(a, out), bs = inputStrides(b, out);
        int n = 0;
        for (int i = 0; i < r; i++) {
            if (out.dim(i) == 1) {
                continue;
            }
            if (n > 0 && sa[n - 1] == as[i] * out.dim(i) && sb[n - 1] == bs[i] * out.dim(i)) {
                dims[n - 1] *= out.dim(i);
                sa[n - 1] = as[i];
                sb[n - 1] = bs[i];
                continue;
            }
            dims[n] = out.dim(i);
            sa[n] = as[i];
            sb[n] = bs[i];
            n++;
        }
        if (n == 0) {
            dims[0] = 1;
            n = 1;
        }
        if (n > MAX_RANK) {
            return null;
        }
        long[] s = new long[1 + 3 * MAX_RANK];
        s[0] = n;
        for (int i = 0; i < n; i++) {
            s[1 + i] = dims[i];
            s[1 + MAX_RANK + i] = sa[i];
            s[1 + 2 * MAX_RANK + i] = sb[i];
        }
        return s;
    }

    /** Per output axis, the element stride of {@code in} (right-aligned), 0 where it broadcasts. */
    private static long[] inputStrides(Shape in, Shape out) {
        int r = out.rank(), off = r - in.rank();
        long[] s = new long[r];
        long stride = 1;
        for (int i = in.rank() - 1; i >= 0; i--) {
            s[i + off] = in.dim(i) == 1 ? 0 : stride;
            stride *= in.dim(i);
        }
        return s;
    }

    /** NbPermute: [rank, dims[8], strides[8]]; output axis i reads input axis perm[i]. Null above rank 8. */
    static long[] permute(Shape in, java.util.List<Integer> perm) {
        int r = in.rank();
        if (r > MAX_RANK) {
            return null;
        }
        long[] inStrides = in.strides();
        long[] s = new long[1 + 2 * MAX_RANK];
        s[0] = Math.max(r, 1);
        if (r == 0) {
            s[1] = 1;
            return s;
        }
        for (int i = 0; i < r; i++) {
            s[1 + i] = in.dim(perm.get(i));
            s[1 + MAX_RANK + i] = inStrides[perm.get(i)];
        }
        return s;
    }

    /** NbPad: [rank, out[8], in[8], before[8]]. Null above rank 8. */
    static long[] pad(Shape in, Shape out, java.util.List<Integer> before) {
        int r = in.rank();
        if (r > MAX_RANK) {
            return null;
        }
        long[] s = new long[1 + 3 * MAX_RANK];
        s[0] = Math.max(r, 1);
        if (r == 0) {
            s[1] = 1;
            s[1 + MAX_RANK] = 1;
            return s;
        }
        for (int i = 0; i < r; i++) {
            s[1 + i] = out.dim(i);
            s[1 + MAX_RANK + i] = in.dim(i);
            s[1 + 2 * MAX_RANK + i] = before.get(i);
        }
        return s;
    }

    /** The kernels' index walk of NbBcast / NbPermute (for tests): input offset of output element i. */
    static long offsetOf(long[] s, int strideBlock, long i) {
        int rank = (int) s[0];
        long rem = i, off = 0;
        for (int r = rank - 1; r >= 0; r--) {
            long d = s[1 + r];
            off += (rem % d) * s[1 + strideBlock * MAX_RANK + r];
            rem /= d;
        }
        return off;
    }

    /** The widest unit (16, 8, 4, 2 or 1 bytes) dividing every value given (sizes, offsets, pitches). */
    static int widestUnit(long... values) {
        long all = 16;
        for (long v : values) {
            all |= v;
        }
        return (int) Math.min(16, Long.lowestOneBit(all));
    }
}
