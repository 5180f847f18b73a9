package dev.nibble.models.common.nn;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;

/**
 * The leaf modules of diffusers/transformers as graph fragments, loading their parameters by
 * state-dict name. A linear layer stored as SVDQ (DESIGN.md §3: {@code P.qweight} where
 * {@code P.weight} was expected) becomes an {@link SvdqLinear}, so quantised folders run through
 * the same model code as 16/32-bit ones.
 */
public final class Layers {
    /** Default SVDQ group size when a file's metadata does not say. */
    public static final int DEFAULT_GROUP_SIZE = 64;

    private Layers() {
    }

    /** nn.Linear at module path {@code path}: weight [N, K], optional bias [N]. */
    public static Value linear(GraphBuilder g, Weights w, String path, Value x) {
        if (w.contains(path + ".qweight")) {
            return svdqLinear(g, w, path, x);
        }
        Tensor weight = w.get(path + ".weight");
        expectRank(w, path + ".weight", weight, 2);
        boolean bias = w.contains(path + ".bias");
        Value wv = g.constant(path + ".weight", weight);
        if (bias) {
            return g.op(new Linear(true), path, x, wv, g.constant(path + ".bias", w.get(path + ".bias")));
        }
        return g.op(new Linear(false), path, x, wv);
    }

    /** The SVDQ W4A4 form of a linear layer (tensor names and shapes of DESIGN.md §3). */
    public static Value svdqLinear(GraphBuilder g, Weights w, String path, Value x) {
        int group = Integer.parseInt(w.metadata().getOrDefault("group_size", String.valueOf(DEFAULT_GROUP_SIZE)));
        boolean bias = w.contains(path + ".bias");
        String[] parts = {"qweight", "wscales", "smooth_factor", "proj_down", "proj_up"};
        Value[] args = new Value[bias ? 7 : 6];
        args[0] = x;
        for (int i = 0; i < parts.length; i++) {
            String name = path + "." + parts[i];
            args[i + 1] = g.constant(name, w.get(name));
        }
        if (bias) {
            args[6] = g.constant(path + ".bias", w.get(path + ".bias"));
        }
        return g.op(new SvdqLinear(group, bias), path, args);
    }

    /** nn.LayerNorm over the last axis; affine parameters used when present. */
    public static Value layerNorm(GraphBuilder g, Weights w, String path, Value x, float eps) {
        boolean hasW = w.contains(path + ".weight");
        boolean hasB = w.contains(path + ".bias");
        Value[] args = new Value[1 + (hasW ? 1 : 0) + (hasB ? 1 : 0)];
        int i = 0;
        args[i++] = x;
        if (hasW) {
            args[i++] = g.constant(path + ".weight", w.get(path + ".weight"));
        }
        if (hasB) {
            args[i] = g.constant(path + ".bias", w.get(path + ".bias"));
        }
        return g.op(new LayerNorm(eps, hasW, hasB), path, args);
    }

    /** LayerNorm without parameters (elementwise_affine=False). */
    public static Value layerNormNoAffine(GraphBuilder g, String path, Value x, float eps) {
        return g.op(new LayerNorm(eps, false, false), path, x);
    }

    /** RMSNorm over the last axis with a weight (T5LayerNorm, diffusers RMSNorm). */
    public static Value rmsNorm(GraphBuilder g, Weights w, String path, Value x, float eps) {
        if (w.contains(path + ".weight")) {
            return g.op(new RmsNorm(eps, true), path, x, g.constant(path + ".weight", w.get(path + ".weight")));
        }
        return g.op(new RmsNorm(eps, false), path, x);
    }

    /** nn.GroupNorm with affine parameters. */
    public static Value groupNorm(GraphBuilder g, Weights w, String path, Value x, int groups, float eps) {
        return g.op(new GroupNorm(groups, eps, true), path, x,
                g.constant(path + ".weight", w.get(path + ".weight")),
                g.constant(path + ".bias", w.get(path + ".bias")));
    }

    /** nn.Conv2d with symmetric padding. */
    public static Value conv2d(GraphBuilder g, Weights w, String path, Value x, int stride, int padding) {
        return conv2d(g, w, path, x, Conv2d.of(stride, padding, w.contains(path + ".bias")));
    }

    /** nn.Conv2d with explicit (possibly asymmetric) geometry. */
    public static Value conv2d(GraphBuilder g, Weights w, String path, Value x, Conv2d conv) {
        Tensor weight = w.get(path + ".weight");
        expectRank(w, path + ".weight", weight, 4);
        Value wv = g.constant(path + ".weight", weight);
        if (conv.hasBias()) {
            return g.op(conv, path, x, wv, g.constant(path + ".bias", w.get(path + ".bias")));
        }
        return g.op(conv, path, x, wv);
    }

    /** nn.Embedding: gathers rows of {@code path.weight}. */
    public static Value embedding(GraphBuilder g, Weights w, String path, Value ids) {
        return g.op(new Embedding(), path, g.constant(path + ".weight", w.get(path + ".weight")), ids);
    }

    /** Fails with the tensor's name and source when it does not have the expected shape. */
    public static void expectShape(Weights w, String name, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new MissingWeightException("tensor '" + name + "' in " + w.source() + " has shape " + t.shape()
                    + " but the config implies " + expected);
        }
    }

    private static void expectRank(Weights w, String name, Tensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new MissingWeightException("tensor '" + name + "' in " + w.source() + " has shape " + t.shape()
                    + ", expected rank " + rank);
        }
    }
}
