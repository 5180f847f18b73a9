package dev.nibble.tck;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Device outputs against reference outputs: the two error measures over elements finite in both,
 * plus element problems: never written (still the poison), non-finite where the reference is finite,
 * and reference NaN/Inf not reproduced.
 */
record Comparison(double maxError, double relL2, List<String> problems) {

    static Comparison of(List<Tensor> ref, List<Tensor> dut, Tolerance tol) {
        double maxErr = 0;
        double l2 = 0;
        List<String> problems = new ArrayList<>();
        for (int o = 0; o < ref.size(); o++) {
            String what = ref.size() == 1 ? "" : "output " + o + ": ";
            Comparison c = one(ref.get(o), dut.get(o), tol, what);
            maxErr = Math.max(maxErr, c.maxError);
            l2 = Math.max(l2, c.relL2);
            problems.addAll(c.problems);
        }
        return new Comparison(maxErr, l2, problems);
    }

    private static Comparison one(Tensor ref, Tensor dut, Tolerance tol, String what) {
        long n = ref.numel();
        long unwritten = 0, nonFinite = 0, special = 0;
        long firstUnwritten = -1, firstNonFinite = -1, firstSpecial = -1, worst = -1;
        double maxDiff = 0, maxRef = 0, sumSqDiff = 0, sumSqRef = 0;
        for (long i = 0; i < n; i++) {
            if (isPoison(dut, i) && !isPoison(ref, i)) {
                if (unwritten++ == 0) {
                    firstUnwritten = i;
                }
                continue;
            }
            double r = value(ref, i), a = value(dut, i);
            if (!Double.isFinite(r)) {
                if (!(Double.isNaN(r) ? Double.isNaN(a) : r == a) && special++ == 0) {
                    firstSpecial = i;
                }
                continue;
            }
            if (!Double.isFinite(a)) {
                if (nonFinite++ == 0) {
                    firstNonFinite = i;
                }
                continue;
            }
            double d = Math.abs(a - r);
            if (worst < 0 || d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
            maxRef = Math.max(maxRef, Math.abs(r));
            sumSqDiff += d * d;
            sumSqRef += r * r;
        }
        double maxErr = maxDiff / Math.max(1, maxRef);
        double l2 = sumSqDiff == 0 ? 0 : Math.sqrt(sumSqDiff) / Math.max(Math.sqrt(sumSqRef), Double.MIN_NORMAL);
        List<String> problems = new ArrayList<>();
        Shape s = ref.shape();
        if (unwritten > 0) {
            problems.add(what + unwritten + " of " + n + " output elements never written (still the 0xFF poison), first at "
                    + index(s, firstUnwritten));
        }
        if (nonFinite > 0) {
            problems.add(what + nonFinite + " non-finite output value(s) where the reference is finite, first "
                    + value(dut, firstNonFinite) + " at " + index(s, firstNonFinite) + " (reference "
                    + value(ref, firstNonFinite) + ")");
        }
        if (special > 0) {
            problems.add(what + special + " reference NaN/Inf value(s) not reproduced, first at " + index(s, firstSpecial)
                    + ": got " + value(dut, firstSpecial) + ", reference " + value(ref, firstSpecial));
        }
        if (!tol.accepts(maxErr, l2) && worst >= 0) {
            problems.add(String.format(Locale.ROOT, "%serror above tolerance %s: max err %.3g, rel L2 %.3g; worst at %s: got %s, reference %s",
                    what, tol, maxErr, l2, index(s, worst), value(dut, worst), value(ref, worst)));
        }
        return new Comparison(maxErr, l2, problems);
    }

    private static double value(Tensor t, long i) {
        return t.dtype().isFloatingPoint() ? t.getFloat(i) : t.getLong(i);
    }

    /** Whether element i still holds the poison bytes (all ones). */
    private static boolean isPoison(Tensor t, long i) {
        DType d = t.dtype();
        return switch (d.bits()) {
            case 64 -> t.data().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i) == -1L;
            case 32 -> t.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) == -1;
            case 16 -> t.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) == (short) -1;
            case 8 -> t.data().get(ValueLayout.JAVA_BYTE, i) == (byte) -1;
            default -> false;
        };
    }

    /** A flat index as a coordinate, e.g. [6, 64]. */
    static String index(Shape s, long flat) {
        int[] idx = new int[s.rank()];
        for (int i = s.rank() - 1; i >= 0; i--) {
            idx[i] = (int) (flat % Math.max(1, s.dim(i)));
            flat /= Math.max(1, s.dim(i));
        }
        return Arrays.toString(idx);
    }
}
