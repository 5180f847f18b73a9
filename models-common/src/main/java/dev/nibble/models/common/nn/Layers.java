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
 *
 * <p>Parameters are checked against the input they meet (and the config's sizes where given) before
 * the op is built, so a checkpoint that does not match its config fails naming the tensor and the
 * file, not just the op. Paths are relative to the builder's current scope; constants get the full
 * module path as their name.
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
        expectFloat(w, path + ".weight", weight);
        int k = x.spec().shape().last();
        if (weight.shape().dim(1) != k) {
            throw mismatch(w, path + ".weight", weight, "an input of " + k + " features " + Shape.of(weight.shape().dim(0), k));
        }
        boolean bias = w.contains(path + ".bias");
        Value wv = constant(g, w, path + ".weight");
        if (bias) {
            Tensor b = w.get(path + ".bias");
            expectShape(w, path + ".bias", b, Shape.of(weight.shape().dim(0)));
            return g.op(new Linear(true), path, x, wv, constant(g, w, path + ".bias"));
        }
        return g.op(new Linear(false), path, x, wv);
    }

    /** nn.Linear whose output width the config fixes: the weight must be [outFeatures, K]. */
    public static Value linear(GraphBuilder g, Weights w, String path, Value x, int outFeatures) {
        if (!w.contains(path + ".qweight")) {
            Tensor weight = w.get(path + ".weight");
            expectShape(w, path + ".weight", weight, Shape.of(outFeatures, x.spec().shape().last()));
        }
        return linear(g, w, path, x);
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
            args[i + 1] = constant(g, w, name);
        }
        if (bias) {
            args[6] = constant(g, w, path + ".bias");
        }
        return g.op(new SvdqLinear(group, bias), path, args);
    }

    /** nn.LayerNorm over the last axis; affine parameters used when present. */
    public static Value layerNorm(GraphBuilder g, Weights w, String path, Value x, float eps) {
        int d = x.spec().shape().last();
        boolean hasW = w.contains(path + ".weight");
        boolean hasB = w.contains(path + ".bias");
        Value[] args = new Value[1 + (hasW ? 1 : 0) + (hasB ? 1 : 0)];
        int i = 0;
        args[i++] = x;
        if (hasW) {
            args[i++] = vector(g, w, path + ".weight", d);
        }
        if (hasB) {
            args[i] = vector(g, w, path + ".bias", d);
        }
        return g.op(new LayerNorm(eps, hasW, hasB), path, args);
    }

    /** nn.LayerNorm that must carry both weight and bias (elementwise_affine=True, the default). */
    public static Value layerNormAffine(GraphBuilder g, Weights w, String path, Value x, float eps) {
        int d = x.spec().shape().last();
        return g.op(new LayerNorm(eps, true, true), path, x, vector(g, w, path + ".weight", d),
                vector(g, w, path + ".bias", d));
    }

    /** LayerNorm without parameters (elementwise_affine=False). */
    public static Value layerNormNoAffine(GraphBuilder g, String path, Value x, float eps) {
        return g.op(new LayerNorm(eps, false, false), path, x);
    }

    /** RMSNorm over the last axis with a weight (T5LayerNorm, diffusers RMSNorm). */
    public static Value rmsNorm(GraphBuilder g, Weights w, String path, Value x, float eps) {
        if (w.contains(path + ".weight")) {
            return g.op(new RmsNorm(eps, true), path, x, vector(g, w, path + ".weight", x.spec().shape().last()));
        }
        return g.op(new RmsNorm(eps, false), path, x);
    }

    /** An RMS norm whose weight must be stored (T5LayerNorm always has one). */
    public static Value rmsNormAffine(GraphBuilder g, Weights w, String path, Value x, float eps) {
        return g.op(new RmsNorm(eps, true), path, x, vector(g, w, path + ".weight", x.spec().shape().last()));
    }

    /** nn.GroupNorm with affine parameters over the channels (axis 1). */
    public static Value groupNorm(GraphBuilder g, Weights w, String path, Value x, int groups, float eps) {
        int c = x.spec().shape().dim(1);
        return g.op(new GroupNorm(groups, eps, true), path, x, vector(g, w, path + ".weight", c),
                vector(g, w, path + ".bias", c));
    }

    /** nn.Conv2d with symmetric padding. */
    public static Value conv2d(GraphBuilder g, Weights w, String path, Value x, int stride, int padding) {
        return conv2d(g, w, path, x, Conv2d.of(stride, padding, w.contains(path + ".bias")));
    }

    /**
     * nn.Conv2d whose geometry the config fixes: the weight must be [outChannels, C, kernel, kernel]
     * for an input of C channels.
     */
    public static Value conv2d(GraphBuilder g, Weights w, String path, Value x, int outChannels, int kernel,
                               int stride, int padding) {
        Tensor weight = w.get(path + ".weight");
        expectShape(w, path + ".weight", weight, Shape.of(outChannels, x.spec().shape().dim(1), kernel, kernel));
        return conv2d(g, w, path, x, stride, padding);
    }

    /** nn.Conv2d with explicit (possibly asymmetric) geometry. */
    public static Value conv2d(GraphBuilder g, Weights w, String path, Value x, Conv2d conv) {
        Tensor weight = w.get(path + ".weight");
        expectRank(w, path + ".weight", weight, 4);
        expectFloat(w, path + ".weight", weight);
        int c = x.spec().shape().dim(1);
        if (weight.shape().dim(1) != c) {
            throw mismatch(w, path + ".weight", weight, "an input of " + c + " channels "
                    + Shape.of(weight.shape().dim(0), c, weight.shape().dim(2), weight.shape().dim(3)));
        }
        Value wv = constant(g, w, path + ".weight");
        if (conv.hasBias()) {
            vector(g, w, path + ".bias", weight.shape().dim(0));
            return g.op(conv, path, x, wv, constant(g, w, path + ".bias"));
        }
        return g.op(conv, path, x, wv);
    }

    /** nn.Embedding: gathers rows of {@code path.weight}. */
    public static Value embedding(GraphBuilder g, Weights w, String path, Value ids) {
        Tensor table = w.get(path + ".weight");
        expectRank(w, path + ".weight", table, 2);
        expectFloat(w, path + ".weight", table);
        return g.op(new Embedding(), path, constant(g, w, path + ".weight"), ids);
    }

    /** nn.Embedding whose table the config fixes as [rows, dim]. */
    public static Value embedding(GraphBuilder g, Weights w, String path, Value ids, int rows, int dim) {
        expectShape(w, path + ".weight", w.get(path + ".weight"), Shape.of(rows, dim));
        return embedding(g, w, path, ids);
    }

    /** A stored tensor as a graph constant named by its full module path. */
    public static Value constant(GraphBuilder g, Weights w, String name) {
        return g.constant(w.fullName(name), w.get(name));
    }

    /** Fails with the tensor's name and source when it does not have the expected shape. */
    public static void expectShape(Weights w, String name, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw mismatch(w, name, t, expected.toString());
        }
    }

    private static Value vector(GraphBuilder g, Weights w, String name, int length) {
        Tensor t = w.get(name);
        expectShape(w, name, t, Shape.of(length));
        expectFloat(w, name, t);
        return constant(g, w, name);
    }

    private static void expectRank(Weights w, String name, Tensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new MissingWeightException("tensor '" + w.fullName(name) + "' in " + w.source() + " has shape "
                    + t.shape() + ", expected rank " + rank);
        }
    }

    private static void expectFloat(Weights w, String name, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new MissingWeightException("tensor '" + w.fullName(name) + "' in " + w.source() + " is "
                    + t.spec() + " but a floating-point parameter is expected");
        }
    }

    private static MissingWeightException mismatch(Weights w, String name, Tensor t, String expected) {
        return new MissingWeightException("tensor '" + w.fullName(name) + "' in " + w.source() + " has shape "
                + t.shape() + " but the config implies " + expected);
    }
}
