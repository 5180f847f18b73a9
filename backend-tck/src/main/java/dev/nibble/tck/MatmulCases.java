package dev.nibble.tck;

import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.BF16;
import static dev.nibble.engine.tensor.DType.F16;
import static dev.nibble.engine.tensor.DType.F32;

/** Linear and Conv2d. Weights have std 1/√fan-in so outputs (and EXP epilogues) stay O(1). */
final class MatmulCases {
    static final int[] SIZES = {1, 7, 64, 65, 127};

    private MatmulCases() {
    }

    static List<TckCase> linear() {
        List<TckCase> out = new ArrayList<>();
        for (int m : SIZES) {
            for (int k : SIZES) {
                for (int n : SIZES) {
                    out.add(linear(new int[] {m, k}, n, F32, (m + k + n) % 2 == 1 ? F32 : null, UnaryFn.IDENTITY));
                }
            }
        }
        for (DType wt : new DType[] {F16, BF16}) {
            for (int m : new int[] {1, 65}) {
                for (int k : new int[] {7, 64, 127}) {
                    for (int n : new int[] {7, 65, 127}) {
                        out.add(linear(new int[] {m, k}, n, wt, k == 64 ? null : wt, UnaryFn.IDENTITY));
                    }
                }
            }
        }
        for (UnaryFn fn : UnaryFn.values()) {
            out.add(linear(new int[] {7, 65}, 64, F32, F32, fn));
            out.add(linear(new int[] {65, 127}, 127, F16, null, fn));
        }
        out.add(linear(new int[] {2, 7, 65}, 64, F32, F32, UnaryFn.IDENTITY));
        out.add(linear(new int[] {2, 3, 5, 64}, 127, BF16, BF16, UnaryFn.GELU));
        out.add(linear(new int[] {3, 1, 127}, 1, F32, null, UnaryFn.IDENTITY));
        out.add(linear(new int[] {3, 1000}, 17, F32, F32, UnaryFn.IDENTITY));
        out.add(linear(new int[] {33, 320}, 80, F32, null, UnaryFn.SILU));
        out.add(linear(new int[] {1, 2048}, 9, BF16, BF16, UnaryFn.IDENTITY));
        out.add(linear(new int[] {7, 64}, 65, F32, F16, UnaryFn.IDENTITY)); // bias dtype differs from weight
        out.add(linear(new int[] {7, 64}, 65, BF16, F32, UnaryFn.IDENTITY));
        return out;
    }

    private static TckCase linear(int[] xDims, int n, DType wt, DType biasType, UnaryFn fn) {
        int k = xDims[xDims.length - 1];
        TensorSpec x = TckInput.spec(F32, xDims), w = TckInput.spec(wt, n, k);
        List<TckInput> in = new ArrayList<>(List.of(TckInput.normal(x), TckInput.normal(w, 0, 1 / Math.sqrt(k))));
        String name = Names.of("x", x) + " " + Names.of("w", w);
        if (biasType != null) {
            TensorSpec b = TckInput.spec(biasType, n);
            in.add(TckInput.normal(b));
            name += " " + Names.of("b", b);
        }
        if (fn != UnaryFn.IDENTITY) {
            name += " " + fn;
        }
        return new TckCase(name, new Linear(biasType != null, fn), in, wt, null);
    }

    static List<TckCase> conv2d() {
        List<TckCase> out = new ArrayList<>();
        out.add(conv(new int[] {1, 3, 8, 8}, 4, 3, 3, Conv2d.of(1, 1, true), F32));
        out.add(conv(new int[] {2, 8, 13, 9}, 16, 3, 3, Conv2d.of(1, 1, false), F32));
        out.add(conv(new int[] {2, 4, 9, 9}, 8, 3, 3, Conv2d.of(2, 1, true), F32));
        out.add(conv(new int[] {2, 4, 16, 16}, 8, 3, 3, Conv2d.of(2, 1, true), F32));
        out.add(conv(new int[] {1, 8, 16, 16}, 8, 3, 3, new Conv2d(2, 2, 0, 1, 0, 1, true), F32)); // VAE downsampler
        out.add(conv(new int[] {2, 5, 15, 9}, 7, 3, 3, new Conv2d(2, 2, 0, 1, 0, 1, true), F32));
        out.add(conv(new int[] {2, 16, 7, 5}, 7, 1, 1, Conv2d.of(1, 0, true), F32));
        out.add(conv(new int[] {1, 65, 4, 4}, 64, 1, 1, Conv2d.of(1, 0, false), F32));
        out.add(conv(new int[] {1, 3, 7, 7}, 2, 3, 3, Conv2d.of(1, 0, true), F32));
        out.add(conv(new int[] {1, 4, 6, 11}, 3, 1, 3, new Conv2d(1, 2, 0, 0, 1, 1, true), F32));
        out.add(conv(new int[] {1, 4, 5, 5}, 4, 3, 3, new Conv2d(1, 1, 2, 0, 1, 0, false), F32));
        out.add(conv(new int[] {1, 64, 8, 8}, 32, 3, 3, Conv2d.of(1, 1, true), F32));
        out.add(conv(new int[] {1, 1, 1, 1}, 1, 1, 1, Conv2d.of(1, 0, false), F32));
        out.add(conv(new int[] {1, 6, 9, 10}, 5, 1, 7, new Conv2d(1, 1, 0, 0, 3, 3, false), F32)); // Inception 1x7
        out.add(conv(new int[] {2, 6, 10, 9}, 5, 7, 1, new Conv2d(1, 1, 3, 3, 0, 0, true), F32));  // Inception 7x1
        out.add(conv(new int[] {1, 3, 35, 33}, 4, 11, 11, Conv2d.of(4, 2, true), F32));             // AlexNet conv1
        for (DType wt : new DType[] {F16, BF16}) {
            out.add(conv(new int[] {2, 8, 13, 9}, 16, 3, 3, Conv2d.of(1, 1, true), wt));
            out.add(conv(new int[] {1, 8, 16, 16}, 8, 3, 3, new Conv2d(2, 2, 0, 1, 0, 1, true), wt));
        }
        return out;
    }

    private static TckCase conv(int[] xDims, int o, int kh, int kw, Conv2d op, DType wt) {
        int fanIn = xDims[1] * kh * kw;
        TensorSpec x = TckInput.spec(F32, xDims), w = TckInput.spec(wt, o, xDims[1], kh, kw);
        List<TckInput> in = new ArrayList<>(List.of(TckInput.normal(x), TckInput.normal(w, 0, 1 / Math.sqrt(fanIn))));
        if (op.hasBias()) {
            in.add(TckInput.normal(TckInput.spec(wt, o)));
        }
        String name = Names.of("x", x) + " " + Names.of("w", w) + " s" + op.strideH() + "," + op.strideW()
                + " p" + op.padTop() + "," + op.padBottom() + "," + op.padLeft() + "," + op.padRight()
                + (op.hasBias() ? " bias" : "");
        return new TckCase(name, op, in, wt, null);
    }
}
