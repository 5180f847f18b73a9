package dev.nibble.tck;

import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.RmsNorm;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.F32;

/** GroupNorm, LayerNorm, RmsNorm. Inputs have mean 0.5 and std 2, so a missing mean subtraction shows. */
final class NormCases {
    private NormCases() {
    }

    static List<TckCase> all() {
        List<TckCase> out = new ArrayList<>();
        out.add(groupNorm(new int[] {2, 64, 8, 8}, 32, 1e-6f, true));
        out.add(groupNorm(new int[] {1, 96, 7, 5}, 32, 1e-5f, true));
        out.add(groupNorm(new int[] {2, 8, 65}, 2, 1e-5f, false));
        out.add(groupNorm(new int[] {3, 4}, 4, 1e-5f, true));
        out.add(groupNorm(new int[] {1, 64, 127}, 1, 1e-6f, true));
        out.add(groupNorm(new int[] {2, 6, 1, 1}, 3, 1e-6f, false));
        out.add(layerNorm(new int[] {7, 64}, 1e-5f, true, true));
        out.add(layerNorm(new int[] {2, 65, 127}, 1e-6f, false, false));
        out.add(layerNorm(new int[] {1, 1, 1}, 1e-6f, true, false));
        out.add(layerNorm(new int[] {3, 768}, 1e-6f, false, true));
        out.add(layerNorm(new int[] {127, 65}, 1e-5f, true, true));
        out.add(layerNorm(new int[] {2, 7, 1}, 1e-5f, true, true));
        out.add(rmsNorm(new int[] {2, 3, 7, 64}, 1e-6f, true));
        out.add(rmsNorm(new int[] {65, 127}, 1e-6f, false));
        out.add(rmsNorm(new int[] {1, 1}, 1e-6f, true));
        out.add(rmsNorm(new int[] {2, 24, 1, 128}, 1e-6f, true));
        return out;
    }

    private static TckInput x(int[] dims) {
        return TckInput.normal(TckInput.spec(F32, dims), 0.5, 2);
    }

    private static TckInput weight(int c) {
        return TckInput.normal(TckInput.spec(F32, c), 1, 0.5);
    }

    private static TckInput bias(int c) {
        return TckInput.normal(TckInput.spec(F32, c), 0, 0.5);
    }

    private static TckCase groupNorm(int[] dims, int groups, float eps, boolean affine) {
        List<TckInput> in = new ArrayList<>(List.of(x(dims)));
        if (affine) {
            in.add(weight(dims[1]));
            in.add(bias(dims[1]));
        }
        String name = "x" + Names.dims(dims) + " groups=" + groups + " eps=" + eps + (affine ? " affine" : "");
        return new TckCase(name, new GroupNorm(groups, eps, affine), in, F32, null);
    }

    private static TckCase layerNorm(int[] dims, float eps, boolean w, boolean b) {
        int d = dims[dims.length - 1];
        List<TckInput> in = new ArrayList<>(List.of(x(dims)));
        if (w) {
            in.add(weight(d));
        }
        if (b) {
            in.add(bias(d));
        }
        String name = "x" + Names.dims(dims) + " eps=" + eps + (w ? " weight" : "") + (b ? " bias" : "");
        return new TckCase(name, new LayerNorm(eps, w, b), in, F32, null);
    }

    private static TckCase rmsNorm(int[] dims, float eps, boolean w) {
        List<TckInput> in = new ArrayList<>(List.of(x(dims)));
        if (w) {
            in.add(weight(dims[dims.length - 1]));
        }
        String name = "x" + Names.dims(dims) + " eps=" + eps + (w ? " weight" : "");
        return new TckCase(name, new RmsNorm(eps, w), in, F32, null);
    }
}
