package dev.nibble.backend.cuda;

import dev.nibble.engine.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host-built shape structs, walked the way the kernels walk them (Layouts.offsetOf mirrors
 * nb_binary / nb_permute), against index arithmetic written out directly.
 */
class LayoutsTest {

    /** Flat index into {@code in} (right-aligned NumPy broadcast) of output element {@code o}. */
    static long broadcastIndex(Shape in, Shape out, long o) {
        int r = out.rank(), off = r - in.rank();
        long[] idx = new long[r];
        for (int i = r - 1; i >= 0; i--) {
            idx[i] = o % out.dim(i);
            o /= out.dim(i);
        }
        long flat = 0;
        for (int i = 0; i < in.rank(); i++) {
            flat = flat * in.dim(i) + (in.dim(i) == 1 ? 0 : idx[i + off]);
        }
        return flat;
    }

    static Shape randomBroadcastPartner(Shape out, SplittableRandom r) {
        int drop = r.nextInt(out.rank() + 1);
        int[] d = new int[out.rank() - drop];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(3) == 0 ? 1 : out.dim(i + drop);
        }
        return Shape.of(d);
    }

    @Test
    void broadcastMatchesNumpyRules() {
        SplittableRandom r = new SplittableRandom(1);
        for (int t = 0; t < 500; t++) {
            int rank = 1 + r.nextInt(6);
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) {
                d[i] = 1 + r.nextInt(4);
            }
            Shape out = Shape.of(d);
            Shape a = randomBroadcastPartner(out, r), b = randomBroadcastPartner(out, r);
            // the output of a op b is the broadcast of a and b; make it exactly out by using out-shaped a sometimes
            if (r.nextBoolean()) {
                a = out;
            }
            Shape o = dev.nibble.engine.ops.Binary.broadcast(null, a, b);
            long[] s = Layouts.broadcast(a, b, o);
            assertTrue(s[0] >= 1 && s[0] <= Layouts.MAX_RANK);
            long prod = 1;
            for (int i = 0; i < s[0]; i++) {
                prod *= s[1 + i];
            }
            assertEquals(o.numel(), prod, "collapsed dims keep the element count of " + o);
            for (long i = 0; i < o.numel(); i++) {
                assertEquals(broadcastIndex(a, o, i), Layouts.offsetOf(s, 1, i), "a=" + a + " b=" + b + " at " + i);
                assertEquals(broadcastIndex(b, o, i), Layouts.offsetOf(s, 2, i), "a=" + a + " b=" + b + " at " + i);
            }
        }
    }

    @Test
    void sameShapesCollapseToOneAxis() {
        Shape s = Shape.of(2, 3, 4, 5);
        long[] st = Layouts.broadcast(s, s, s);
        assertEquals(1, st[0]);
        assertEquals(120, st[1]);
        long[] row = Layouts.broadcast(s, Shape.of(5), s); // bias-like: [2,3,4,5] + [5]
        assertEquals(2, row[0]);
        assertEquals(24, row[1]);
        assertEquals(5, row[2]);
    }

    @Test
    void permuteWalkMatchesTorchPermute() {
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 200; t++) {
            int rank = 1 + r.nextInt(6);
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) {
                d[i] = 1 + r.nextInt(4);
            }
            Shape in = Shape.of(d);
            List<Integer> perm = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                perm.add(i);
            }
            Collections.shuffle(perm, new java.util.Random(r.nextLong()));
            long[] s = Layouts.permute(in, perm);
            int[] od = new int[rank];
            for (int i = 0; i < rank; i++) {
                od[i] = d[perm.get(i)];
            }
            Shape out = Shape.of(od);
            long[] inStrides = in.strides();
            for (long o = 0; o < out.numel(); o++) {
                long rem = o, from = 0;
                for (int i = rank - 1; i >= 0; i--) {
                    from += (rem % od[i]) * inStrides[perm.get(i)];
                    rem /= od[i];
                }
                assertEquals(from, Layouts.offsetOf(s, 1, o));
            }
        }
    }

    @Test
    void widestUnit() {
        assertEquals(16, Layouts.widestUnit(64, 0, 256));
        assertEquals(4, Layouts.widestUnit(64, 4100));
        assertEquals(2, Layouts.widestUnit(6, 16));
        assertEquals(1, Layouts.widestUnit(7));
        assertEquals(16, Layouts.widestUnit());
    }

    @Test
    void maskStridesBroadcast() {
        long[] s = AttentionOp.maskStrides(Shape.of(2, 1, 1, 77));
        assertEquals(77, s[0]);
        assertEquals(0, s[1]);
        assertEquals(0, s[2]);
        assertEquals(1, s[3]);
        long[] full = AttentionOp.maskStrides(Shape.of(2, 3, 5, 7));
        assertEquals(105, full[0]);
        assertEquals(35, full[1]);
        assertEquals(7, full[2]);
        assertEquals(1, full[3]);
    }

    @Test
    void svdqPathSelection() {
        assertEquals(SvdqPath.S4, SvdqPath.resolve(SvdqPath.AUTO, 80));
        assertEquals(SvdqPath.S4, SvdqPath.resolve(SvdqPath.AUTO, 89));
        assertEquals(SvdqPath.S8, SvdqPath.resolve(SvdqPath.AUTO, 90));
        assertEquals(SvdqPath.S8, SvdqPath.resolve(SvdqPath.AUTO, 120));
        assertEquals(SvdqPath.SIMPLE, SvdqPath.resolve(SvdqPath.AUTO, 75));
        assertEquals(SvdqPath.SIMPLE, SvdqPath.resolve(SvdqPath.S4, 75));
        assertEquals(SvdqPath.S4, SvdqPath.resolve(SvdqPath.S4, 90), "forcing s4 on Hopper is allowed (emulated there)");
        assertEquals(SvdqPath.AUTO, SvdqPath.fromSetting(null));
        assertEquals(SvdqPath.S8, SvdqPath.fromSetting(" s8 "));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> SvdqPath.fromSetting("fp4"));
    }
}
