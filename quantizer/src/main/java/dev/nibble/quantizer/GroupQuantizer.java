package dev.nibble.quantizer;

import dev.nibble.backend.cpu.svdq.SvdqMath;
import dev.nibble.engine.tensor.DType;

/**
 * Per-group symmetric int4 quantisation of the residual R [N, K] along K, per output channel:
 * {@code scale = max|r| / 7} over each group of G (rounded to the stored float type), then
 * {@code q = clamp(rint(r / scale), −8, 7)} (round half to even, as torch.round); a group of zeros gets
 * scale 0 and codes 0. K is padded to Kp with zero columns (zero codes). Codes are packed two per byte,
 * two's complement, k = 2j in the low nibble of byte j.
 */
public final class GroupQuantizer {
    private GroupQuantizer() {
    }

    /** qweight [N, Kp/2] and wscales [Kp/G, N] (as stored, rounded). */
    public record Packed(byte[] qweight, float[] wscales, int n, int k, int kp, int groupSize) {
        public int code(int o, int c) {
            byte b = qweight[o * (kp / 2) + c / 2];
            return (c & 1) == 0 ? SvdqMath.lowNibble(b) : SvdqMath.highNibble(b);
        }

        /** scale·q as [N, K] (the 4-bit approximation of the residual). */
        public double[] dequantize() {
            double[] out = new double[n * k];
            for (int o = 0; o < n; o++) {
                for (int c = 0; c < k; c++) {
                    out[o * k + c] = (double) wscales[(c / groupSize) * n + o] * code(o, c);
                }
            }
            return out;
        }
    }

    public static Packed quantize(double[] r, int n, int k, int groupSize, DType floatType) {
        int kp = SvdqFormat.paddedK(k, groupSize);
        int groups = kp / groupSize;
        byte[] q = new byte[n * kp / 2];
        float[] ws = new float[groups * n];
        int[] codes = new int[kp];
        for (int o = 0; o < n; o++) {
            java.util.Arrays.fill(codes, 0);
            for (int gi = 0; gi < groups; gi++) {
                int c0 = gi * groupSize;
                int c1 = Math.min(k, c0 + groupSize);
                double amax = 0;
                for (int c = c0; c < c1; c++) {
                    amax = Math.max(amax, Math.abs(r[o * k + c]));
                }
                float s = DTypes.round(amax / 7.0, floatType);
                ws[gi * n + o] = s;
                for (int c = c0; c < c1; c++) {
                    codes[c] = s == 0f ? 0 : (int) Math.max(-8, Math.min(7, Math.rint(r[o * k + c] / s)));
                }
            }
            for (int j = 0; j < kp / 2; j++) {
                q[o * (kp / 2) + j] = SvdqMath.pack(codes[2 * j], codes[2 * j + 1]);
            }
        }
        return new Packed(q, ws, n, k, kp, groupSize);
    }
}
