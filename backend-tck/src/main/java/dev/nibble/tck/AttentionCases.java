package dev.nibble.tck;

import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.F32;

/** Attention (self, cross, causal, every mask broadcast, Dv ≠ D) and Rope. */
final class AttentionCases {
    private AttentionCases() {
    }

    static List<TckCase> attention() {
        List<TckCase> out = new ArrayList<>();
        for (int[] bh : new int[][] {{1, 1}, {2, 3}}) {
            for (int l : new int[] {1, 7, 65, 127}) {
                for (int d : new int[] {8, 64}) {
                    out.add(attn(bh[0], bh[1], l, l, d, d, false, null, 1));
                }
            }
        }
        for (int[] lqk : new int[][] {{7, 65}, {65, 7}, {1, 127}, {127, 64}, {77, 1}}) {
            out.add(attn(1, 2, lqk[0], lqk[1], 64, 64, false, null, 1));
        }
        for (int[] lqk : new int[][] {{7, 7}, {65, 65}, {127, 127}, {7, 13}, {13, 7}}) {
            out.add(attn(1, 2, lqk[0], lqk[1], 64, 64, true, null, 1));
        }
        out.add(attn(2, 3, 65, 65, 64, 64, false, Mask.PADDING_INF, 1));
        out.add(attn(2, 2, 7, 77, 64, 64, false, Mask.PADDING_FINITE, 1));
        out.add(attn(1, 3, 65, 65, 8, 8, false, Mask.HEAD_BIAS, 1));
        out.add(attn(2, 2, 7, 65, 64, 64, false, Mask.FULL, 1));
        out.add(attn(2, 1, 65, 65, 64, 64, true, Mask.PER_BATCH, 1));
        out.add(attn(1, 2, 65, 65, 64, 32, false, null, 1)); // Dv ≠ D
        out.add(attn(1, 1, 65, 65, 128, 128, false, null, 1)); // FLUX head dim
        out.add(attn(1, 2, 65, 65, 8, 8, false, null, 3)); // peaky softmax
        return out;
    }

    /** Additive masks: [B,1,1,Lk] padding (−∞ or −10000 on trailing keys, key 0 always open), biases. */
    private enum Mask {
        PADDING_INF, PADDING_FINITE, HEAD_BIAS, FULL, PER_BATCH
    }

    private static TckCase attn(int b, int h, int lq, int lk, int d, int dv, boolean causal, Mask mask, double qStd) {
        TensorSpec q = f32(b, h, lq, d), k = f32(b, h, lk, d), v = f32(b, h, lk, dv);
        List<TckInput> in = new ArrayList<>(List.of(TckInput.normal(q, 0, qStd), TckInput.normal(k), TckInput.normal(v)));
        String name = Names.of("q", q) + " k" + Names.dims(b, h, lk, d) + (dv != d ? " dv=" + dv : "")
                + (causal ? " causal" : "") + (qStd != 1 ? " q~N(0," + (int) qStd + ")" : "");
        if (mask != null) {
            TckInput m = switch (mask) {
                case PADDING_INF, PADDING_FINITE -> {
                    float off = mask == Mask.PADDING_INF ? Float.NEGATIVE_INFINITY : -10000f;
                    yield TckInput.indexed(f32(b, 1, 1, lk), i -> (i % lk) >= Math.max(1, lk - 5 * (i / lk + 1)) ? off : 0);
                }
                case HEAD_BIAS -> TckInput.normal(f32(1, h, lq, lk));
                case FULL -> TckInput.normal(f32(b, h, lq, lk), 0, 2);
                case PER_BATCH -> TckInput.normal(f32(b, 1, lq, lk));
            };
            in.add(m);
            name += " mask" + Names.dims(m.spec().shape().toArray()) + (mask == Mask.PADDING_INF ? " -inf" : "");
        }
        return new TckCase(name, new Attention((float) (1 / Math.sqrt(d)), causal, mask != null), in, F32, null);
    }

    static List<TckCase> rope() {
        List<TckCase> out = new ArrayList<>();
        for (int[] s : new int[][] {{1, 1, 1, 2}, {2, 3, 7, 64}, {1, 2, 65, 128}, {1, 1, 127, 16}}) {
            int l = s[2], d = s[3];
            TensorSpec table = f32(l, d);
            out.add(TckCase.of("x" + Names.dims(s), new Rope(), TckInput.normal(f32(s)),
                    TckInput.indexed(table, i -> Math.cos(angle(i, d))),
                    TckInput.indexed(table, i -> Math.sin(angle(i, d)))));
        }
        return out;
    }

    /** Rotary angle of flat table index i: position · 10000^(−2·pair/D), each frequency twice. */
    private static double angle(long i, int d) {
        long pos = i / d;
        long pair = (i % d) / 2;
        return pos * Math.pow(10000, -2.0 * pair / d);
    }

    private static TensorSpec f32(int... dims) {
        return TckInput.spec(F32, dims);
    }
}
