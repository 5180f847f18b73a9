package dev.nibble.models.common.scheduler;

/**
 * The few numpy float64 routines diffusers uses to build schedules, reproduced operation by operation
 * so that the float32 values they are finally rounded to match bit for bit.
 */
final class NumpyMath {
    private NumpyMath() {
    }

    /** {@code np.linspace(start, stop, num)} (endpoint included): start + i * step, last value = stop. */
    static double[] linspace(double start, double stop, int num) {
        if (num < 0) {
            throw new IllegalArgumentException("linspace needs num >= 0, got " + num);
        }
        double[] y = new double[num];
        int div = num - 1;
        double delta = stop - start;
        if (div > 0) {
            double step = delta / div;
            for (int i = 0; i < num; i++) {
                // numpy falls back to (i / div) * delta only when the step underflows to zero
                y[i] = (step == 0 ? (i / (double) div) * delta : i * step) + start;
            }
            y[num - 1] = stop;
        } else if (num == 1) {
            y[0] = start;
        }
        return y;
    }

    /**
     * {@code np.arange(start, stop, step)} for floats: numpy sizes it as ceil((stop - start) / step) and fills
     * start + i * delta where delta = (start + step) - start, which can differ from step in the last bit.
     */
    static double[] arange(double start, double stop, double step) {
        double len = Math.ceil((stop - start) / step);
        if (!(len > 0)) {
            return new double[0];
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arange too long: " + len);
        }
        double[] out = new double[(int) len];
        out[0] = start;
        if (out.length > 1) {
            out[1] = start + step;
            double delta = out[1] - out[0];
            for (int i = 2; i < out.length; i++) {
                out[i] = start + i * delta;
            }
        }
        return out;
    }

    /** {@code np.round} on float64: round half to even. */
    static double round(double v) {
        return Math.rint(v);
    }

    /**
     * {@code np.interp(x, xp, fp)} with default left/right (the end values); xp must be increasing.
     * Interpolates as slope * (x - xp[j]) + fp[j] in float64, exactly as numpy's C loop does.
     */
    static double[] interp(double[] x, double[] xp, double[] fp) {
        if (xp.length == 0 || xp.length != fp.length) {
            throw new IllegalArgumentException("interp needs xp and fp of the same non-zero length");
        }
        int last = xp.length - 1;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = v;
            } else if (v < xp[0]) {
                out[i] = fp[0];
            } else if (v >= xp[last]) {
                out[i] = fp[last];
            } else {
                int j = floorIndex(xp, v);
                if (xp[j] == v) {
                    out[i] = fp[j];
                } else {
                    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
                    out[i] = slope * (v - xp[j]) + fp[j];
                    if (Double.isNaN(out[i])) {
                        // numpy retries from the right neighbour when the left form overflows to NaN
                        out[i] = slope * (v - xp[j + 1]) + fp[j + 1];
                        if (Double.isNaN(out[i]) && fp[j] == fp[j + 1]) {
                            out[i] = fp[j];
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Largest j with xp[j] <= v, for xp[0] <= v < xp[last]. */
    private static int floorIndex(double[] xp, double v) {
        int lo = 0;
        int hi = xp.length - 1;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (xp[mid] <= v) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
