package dev.nibble.app.parity;

import dev.nibble.engine.tensor.Tensor;

/**
 * One output compared with its reference: max absolute error, relative L2 error, the reference's
 * max |value|, and whether it is within the tolerance the golden README sets for it.
 */
public record TensorCheck(String name, String against, double maxAbs, double relL2, double refMaxAbs,
                          Tolerance tolerance, boolean passed, String note) {

    /** Bounds: max|a−b| ≤ maxAbsFactor·max(1, max|ref|) (or absolute, when not scaled) and relL2 ≤ relL2. */
    public record Tolerance(double maxAbsFactor, boolean scaled, double relL2, int maxUlps) {
        public static Tolerance model() {
            return new Tolerance(1e-4, true, 1e-5, -1);
        }

        public static Tolerance intermediate() {
            return new Tolerance(1e-4, true, Double.POSITIVE_INFINITY, -1);
        }

        public static Tolerance image() {
            return new Tolerance(1e-4, false, Double.POSITIVE_INFINITY, -1);
        }

        public static Tolerance ulps(int n) {
            return new Tolerance(Double.POSITIVE_INFINITY, false, Double.POSITIVE_INFINITY, n);
        }

        public static Tolerance relL2Only(double relL2) {
            return new Tolerance(Double.POSITIVE_INFINITY, false, relL2, -1);
        }

        public static Tolerance exact() {
            return ulps(0);
        }

        @Override
        public String toString() {
            if (maxUlps >= 0) {
                return maxUlps == 0 ? "exact" : "≤" + maxUlps + " ulp";
            }
            String a = Double.isInfinite(maxAbsFactor) ? "" : "max≤" + maxAbsFactor + (scaled ? "·max(1,|ref|)" : "");
            String r = Double.isInfinite(relL2) ? "" : "relL2≤" + relL2;
            return (a + " " + r).trim();
        }
    }

    public static TensorCheck compare(String name, String against, Tensor actual, Tensor reference, Tolerance tol) {
        if (!actual.shape().equals(reference.shape())) {
            return new TensorCheck(name, against, Double.NaN, Double.NaN, Double.NaN, tol, false,
                    "shape " + actual.shape() + " != reference " + reference.shape());
        }
        long n = actual.numel();
        double maxAbs = 0, diff2 = 0, ref2 = 0, refMax = 0;
        long maxUlp = 0;
        boolean nonFinite = false;
        for (long i = 0; i < n; i++) {
            double a = actual.dtype().isFloatingPoint() ? actual.getFloat(i) : actual.getLong(i);
            double r = reference.dtype() == dev.nibble.engine.tensor.DType.F64
                    ? reference.data().getAtIndex(Tensor.F64, i)
                    : reference.dtype().isFloatingPoint() ? reference.getFloat(i) : reference.getLong(i);
            if (!Double.isFinite(a) && Double.isFinite(r)) {
                nonFinite = true;
            }
            double d = Math.abs(a - r);
            maxAbs = Math.max(maxAbs, d);
            diff2 += d * d;
            ref2 += r * r;
            refMax = Math.max(refMax, Math.abs(r));
            if (tol.maxUlps() >= 0) {
                maxUlp = Math.max(maxUlp, ulps((float) a, (float) r));
            }
        }
        double relL2 = ref2 == 0 ? (diff2 == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(diff2 / ref2);
        boolean ok;
        String note = "";
        if (nonFinite) {
            ok = false;
            note = "NaN/Inf where the reference is finite";
        } else if (tol.maxUlps() >= 0) {
            ok = maxUlp <= tol.maxUlps();
            note = maxUlp + " ulp";
        } else {
            double bound = tol.maxAbsFactor() * (tol.scaled() ? Math.max(1, refMax) : 1);
            ok = maxAbs <= bound && relL2 <= tol.relL2();
        }
        return new TensorCheck(name, against, maxAbs, relL2, refMax, tol, ok, note);
    }

    private static long ulps(float a, float b) {
        if (a == b) {
            return 0;
        }
        int ia = Float.floatToIntBits(a), ib = Float.floatToIntBits(b);
        if ((ia < 0) != (ib < 0)) {
            return Math.abs((long) (ia & 0x7fffffff)) + Math.abs((long) (ib & 0x7fffffff));
        }
        return Math.abs((long) ia - ib);
    }
}
