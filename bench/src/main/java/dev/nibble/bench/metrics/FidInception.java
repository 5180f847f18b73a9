package dev.nibble.bench.metrics;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.ReduceFn;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Inception-v3 that FID is defined with (the TensorFlow 2015-12-05 graph as ported by pytorch-fid):
 * torchvision's {@code Inception3} layout, with the FID blocks' differences — the average-pool branches of
 * Mixed_5b..5d, 6b..6e and 7b leave padded positions out of the mean, and Mixed_7c's pool branch is a
 * max-pool. Images (values in [0, 1]) are resized to 299×299 bilinearly as PyTorch does, mapped to [−1, 1],
 * and the 2048 channels of the last block are averaged over space: the pool3 features FID compares.
 *
 * <p>Every convolution is torchvision's BasicConv2d (convolution without bias, batch norm with eps 0.001,
 * ReLU); the batch norm is folded into the convolution's weight and bias when the weights are loaded, and
 * the whole network runs as one engine graph on the executor's device.
 *
 * <h2>Weights (supplied by the user)</h2>
 * A safetensors file with pytorch-fid's state-dict names ({@code Conv2d_1a_3x3.conv.weight},
 * {@code Conv2d_1a_3x3.bn.running_var}, {@code Mixed_7c.branch_pool.bn.bias}, ...; {@code fc.*} is ignored).
 * To convert the published FID weights:
 * <pre>
 *   pip install torch safetensors
 *   curl -LO https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
 *   python -c "import torch; from safetensors.torch import save_file; \
 *     sd = torch.load('pt_inception-2015-12-05-6726825d.pth', map_location='cpu'); \
 *     save_file({k: v.contiguous() for k, v in sd.items() if not k.endswith('num_batches_tracked')}, \
 *               'pt_inception_fid.safetensors')"
 * </pre>
 * Then pass {@code --inception-weights pt_inception_fid.safetensors} to {@code nibble eval}.
 */
public final class FidInception implements AutoCloseable {
    /** The side images are resized to. */
    public static final int INPUT_SIZE = 299;
    /** Feature dimension (channels of Mixed_7c). */
    public static final int DIMENSION = 2048;
    /** Images per engine run. */
    static final int BATCH = 4;
    private static final double BN_EPS = 1e-3;

    private final Function<String, Tensor> tensors;
    private final Executor executor;
    private final AutoCloseable owned;
    private final Map<String, Tensor[]> folded = new HashMap<>();
    private final Map<Integer, CompiledGraph> compiled = new HashMap<>();

    /**
     * Checks every tensor the network needs now, so a wrong file fails here, naming the tensor.
     *
     * @param tensors name → tensor (pytorch-fid's names); null for a missing name
     * @param owned   closed with this object (the weights file), may be null
     */
    public FidInception(Function<String, Tensor> tensors, Executor executor, AutoCloseable owned) {
        this.tensors = Objects.requireNonNull(tensors);
        this.executor = Objects.requireNonNull(executor);
        this.owned = owned;
        graph(1);
    }

    /** Loads a safetensors weights file (see the class comment) to run through {@code executor}. */
    public static FidInception load(Path file, Executor executor) {
        SafetensorsFile f = SafetensorsFile.open(file);
        try {
            return new FidInception(name -> f.contains(name) ? f.tensor(name) : null, executor, f);
        } catch (RuntimeException e) {
            f.close();
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The pool3 features of each image (RGB, any size), one row of {@link #DIMENSION} per image. */
    public synchronized float[][] features(List<ChwImage> images, PixelRange range) {
        float[][] out = new float[images.size()][];
        int plane = INPUT_SIZE * INPUT_SIZE;
        for (int from = 0; from < images.size(); from += BATCH) {
            int n = Math.min(BATCH, images.size() - from);
            float[] x = new float[n * 3 * plane];
            for (int i = 0; i < n; i++) {
                float[] prepared = prepare(images.get(from + i), range);
                System.arraycopy(prepared, 0, x, i * 3 * plane, prepared.length);
            }
            CompiledGraph cg = compiled.computeIfAbsent(n, b -> executor.compile(graph(b)));
            float[] f = cg.run(Map.of("x", Tensor.ofFloats(Shape.of(n, 3, INPUT_SIZE, INPUT_SIZE), x)))
                    .outputs().get(0).toFloatArray();
            for (int i = 0; i < n; i++) {
                out[from + i] = java.util.Arrays.copyOfRange(f, i * DIMENSION, (i + 1) * DIMENSION);
            }
        }
        return out;
    }

    /** [0, 1] pixels, resized to 299×299, then mapped to [−1, 1] (pytorch-fid's resize_input, normalize_input). */
    static float[] prepare(ChwImage image, PixelRange range) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("FID features need RGB images, got " + image.channels() + " channels");
        }
        float[] unit = image.data();
        if (range == PixelRange.SIGNED) {
            unit = unit.clone();
            for (int i = 0; i < unit.length; i++) {
                unit[i] = unit[i] / 2f + 0.5f;
            }
        }
        float[] x = TorchBilinear.resize(unit, 3, image.height(), image.width(), INPUT_SIZE, INPUT_SIZE);
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * x[i] - 1;
        }
        return x;
    }

    private Graph graph(int batch) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, batch, 3, INPUT_SIZE, INPUT_SIZE);
        x = conv(g, x, "Conv2d_1a_3x3", 32, 3, 3, 2, 0, 0);
        x = conv(g, x, "Conv2d_2a_3x3", 32, 3, 3, 1, 0, 0);
        x = conv(g, x, "Conv2d_2b_3x3", 64, 3, 3, 1, 1, 1);
        x = g.op(Pool2d.max(3, 2, 0), "maxpool1", x);
        x = conv(g, x, "Conv2d_3b_1x1", 80, 1, 1, 1, 0, 0);
        x = conv(g, x, "Conv2d_4a_3x3", 192, 3, 3, 1, 0, 0);
        x = g.op(Pool2d.max(3, 2, 0), "maxpool2", x);
        x = blockA(g, x, "Mixed_5b", 32);
        x = blockA(g, x, "Mixed_5c", 64);
        x = blockA(g, x, "Mixed_5d", 64);
        x = blockB(g, x, "Mixed_6a");
        x = blockC(g, x, "Mixed_6b", 128);
        x = blockC(g, x, "Mixed_6c", 160);
        x = blockC(g, x, "Mixed_6d", 160);
        x = blockC(g, x, "Mixed_6e", 192);
        x = blockD(g, x, "Mixed_7a");
        x = blockE(g, x, "Mixed_7b", false);
        x = blockE(g, x, "Mixed_7c", true);
        Shape s = x.spec().shape();
        x = g.reshape(x, batch, s.dim(1), s.dim(2) * s.dim(3));
        x = g.op(new Reduce(ReduceFn.MEAN, 2, false), "avgpool", x);
        return g.build(x);
    }

    /** InceptionA: 1×1 | 1×1 → 5×5 | 1×1 → 3×3 → 3×3 | avg-pool (padding not counted) → 1×1. */
    private Value blockA(GraphBuilder g, Value x, String name, int poolFeatures) {
        Value b1 = conv(g, x, name + ".branch1x1", 64, 1, 1, 1, 0, 0);
        Value b5 = conv(g, x, name + ".branch5x5_1", 48, 1, 1, 1, 0, 0);
        b5 = conv(g, b5, name + ".branch5x5_2", 64, 5, 5, 1, 2, 2);
        Value d = doubleThree(g, x, name, 1, 1);
        Value p = conv(g, g.op(Pool2d.avg(3, 1, 1, false), x), name + ".branch_pool", poolFeatures, 1, 1, 1, 0, 0);
        return g.concat(1, b1, b5, d, p);
    }

    /** InceptionB (grid reduction 35 → 17): 3×3/2 | 1×1 → 3×3 → 3×3/2 | max-pool 3/2. */
    private Value blockB(GraphBuilder g, Value x, String name) {
        Value b3 = conv(g, x, name + ".branch3x3", 384, 3, 3, 2, 0, 0);
        Value d = doubleThree(g, x, name, 2, 0);
        return g.concat(1, b3, d, g.op(Pool2d.max(3, 2, 0), x));
    }

    /** 1×1 (64) → 3×3 (96, pad 1) → 3×3 (96, given stride and padding): branch3x3dbl of blocks A and B. */
    private Value doubleThree(GraphBuilder g, Value x, String name, int lastStride, int lastPad) {
        Value d = conv(g, x, name + ".branch3x3dbl_1", 64, 1, 1, 1, 0, 0);
        d = conv(g, d, name + ".branch3x3dbl_2", 96, 3, 3, 1, 1, 1);
        return conv(g, d, name + ".branch3x3dbl_3", 96, 3, 3, lastStride, lastPad, lastPad);
    }

    /** InceptionC: 1×1 | 1×1 → 1×7 → 7×1 | 1×1 → 7×1 → 1×7 → 7×1 → 1×7 | avg-pool → 1×1. */
    private Value blockC(GraphBuilder g, Value x, String name, int c7) {
        Value b1 = conv(g, x, name + ".branch1x1", 192, 1, 1, 1, 0, 0);
        Value b7 = conv(g, x, name + ".branch7x7_1", c7, 1, 1, 1, 0, 0);
        b7 = conv(g, b7, name + ".branch7x7_2", c7, 1, 7, 1, 0, 3);
        b7 = conv(g, b7, name + ".branch7x7_3", 192, 7, 1, 1, 3, 0);
        Value d = conv(g, x, name + ".branch7x7dbl_1", c7, 1, 1, 1, 0, 0);
        d = conv(g, d, name + ".branch7x7dbl_2", c7, 7, 1, 1, 3, 0);
        d = conv(g, d, name + ".branch7x7dbl_3", c7, 1, 7, 1, 0, 3);
        d = conv(g, d, name + ".branch7x7dbl_4", c7, 7, 1, 1, 3, 0);
        d = conv(g, d, name + ".branch7x7dbl_5", 192, 1, 7, 1, 0, 3);
        Value p = conv(g, g.op(Pool2d.avg(3, 1, 1, false), x), name + ".branch_pool", 192, 1, 1, 1, 0, 0);
        return g.concat(1, b1, b7, d, p);
    }

    /** InceptionD (grid reduction 17 → 8): 1×1 → 3×3/2 | 1×1 → 1×7 → 7×1 → 3×3/2 | max-pool 3/2. */
    private Value blockD(GraphBuilder g, Value x, String name) {
        Value b3 = conv(g, x, name + ".branch3x3_1", 192, 1, 1, 1, 0, 0);
        b3 = conv(g, b3, name + ".branch3x3_2", 320, 3, 3, 2, 0, 0);
        Value b7 = conv(g, x, name + ".branch7x7x3_1", 192, 1, 1, 1, 0, 0);
        b7 = conv(g, b7, name + ".branch7x7x3_2", 192, 1, 7, 1, 0, 3);
        b7 = conv(g, b7, name + ".branch7x7x3_3", 192, 7, 1, 1, 3, 0);
        b7 = conv(g, b7, name + ".branch7x7x3_4", 192, 3, 3, 2, 0, 0);
        return g.concat(1, b3, b7, g.op(Pool2d.max(3, 2, 0), x));
    }

    /**
     * InceptionE: 1×1 | 1×1 → (1×3 ‖ 3×1) | 1×1 → 3×3 → (1×3 ‖ 3×1) | pool → 1×1; the pool is an average
     * without padding in Mixed_7b and a max in Mixed_7c (the FID graph's quirk).
     */
    private Value blockE(GraphBuilder g, Value x, String name, boolean maxPool) {
        Value b1 = conv(g, x, name + ".branch1x1", 320, 1, 1, 1, 0, 0);
        Value t = conv(g, x, name + ".branch3x3_1", 384, 1, 1, 1, 0, 0);
        Value b3 = g.concat(1, conv(g, t, name + ".branch3x3_2a", 384, 1, 3, 1, 0, 1),
                conv(g, t, name + ".branch3x3_2b", 384, 3, 1, 1, 1, 0));
        Value d = conv(g, x, name + ".branch3x3dbl_1", 448, 1, 1, 1, 0, 0);
        d = conv(g, d, name + ".branch3x3dbl_2", 384, 3, 3, 1, 1, 1);
        Value dd = g.concat(1, conv(g, d, name + ".branch3x3dbl_3a", 384, 1, 3, 1, 0, 1),
                conv(g, d, name + ".branch3x3dbl_3b", 384, 3, 1, 1, 1, 0));
        Pool2d pool = maxPool ? Pool2d.max(3, 1, 1) : Pool2d.avg(3, 1, 1, false);
        Value p = conv(g, g.op(pool, x), name + ".branch_pool", 192, 1, 1, 1, 0, 0);
        return g.concat(1, b1, b3, dd, p);
    }

    /** BasicConv2d {@code name}: convolution with the batch norm folded in, then ReLU. */
    private Value conv(GraphBuilder g, Value x, String name, int out, int kh, int kw, int stride, int padH, int padW) {
        int in = x.spec().shape().dim(1);
        Tensor[] wb = folded.computeIfAbsent(name, n -> fold(n, out, in, kh, kw));
        Value w = g.constant(name + ".weight", wb[0]);
        Value b = g.constant(name + ".bias", wb[1]);
        Value y = g.op(new Conv2d(stride, stride, padH, padH, padW, padW, true), name, x, w, b);
        return g.unary(UnaryFn.RELU, y);
    }

    /** w·γ/√(var + eps) and β − mean·γ/√(var + eps): eval-mode batch norm after a bias-free convolution. */
    private Tensor[] fold(String name, int out, int in, int kh, int kw) {
        float[] w = floats(name + ".conv.weight", out, in, kh, kw);
        float[] gamma = floats(name + ".bn.weight", out);
        float[] beta = floats(name + ".bn.bias", out);
        float[] mean = floats(name + ".bn.running_mean", out);
        float[] var = floats(name + ".bn.running_var", out);
        int per = in * kh * kw;
        float[] bias = new float[out];
        for (int o = 0; o < out; o++) {
            double scale = gamma[o] / Math.sqrt(var[o] + BN_EPS);
            for (int i = 0; i < per; i++) {
                w[o * per + i] = (float) (w[o * per + i] * scale);
            }
            bias[o] = (float) (beta[o] - mean[o] * scale);
        }
        return new Tensor[] {Tensor.ofFloats(Shape.of(out, in, kh, kw), w), Tensor.ofFloats(Shape.of(out), bias)};
    }

    private float[] floats(String name, int... dims) {
        Tensor t = tensors.apply(name);
        if (t == null) {
            throw new IllegalArgumentException("FID Inception weights: missing tensor '" + name + "'");
        }
        if (!t.shape().equals(Shape.of(dims)) || !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("FID Inception weights: '" + name + "' must be a float tensor of shape "
                    + Shape.of(dims) + ", got " + t.spec());
        }
        return (t.dtype() == DType.F32 ? t : t.to(DType.F32)).toFloatArray();
    }

    @Override
    public synchronized void close() {
        compiled.values().forEach(CompiledGraph::close);
        compiled.clear();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
