package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.GraphCache;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * diffusers 0.31 UNet2DConditionModel (SD/SDXL layout: DownBlock2D / CrossAttnDownBlock2D,
 * UNetMidBlock2DCrossAttn, UpBlock2D / CrossAttnUpBlock2D, optional SDXL "text_time" added conditioning)
 * as a graph. Module tree and state-dict names are the library's; every size comes from config.json.
 *
 * <p>forward(sample, t, context, text_embeds, time_ids): emb = time_embedding(time_proj(t))
 * [+ add_embedding(cat(text_embeds, add_time_proj(time_ids).reshape(B, −1)))]; conv_in → down blocks
 * (collecting skips) → mid block → up blocks (popping skips from the end) → conv_norm_out → act → conv_out.
 *
 * <p>One graph per shape key is built on first use and cached; compiled graphs are kept per executor, the
 * most recent shape only, since each holds its own device copy of the weights (about 10 GB in float32 for
 * SDXL) and a pipeline run uses one shape throughout.
 */
public final class UNet2DConditionModel implements AutoCloseable {
    /** Names of the graph inputs. */
    public static final String SAMPLE = "sample";
    public static final String TIMESTEP = "timestep";
    public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
    public static final String TEXT_EMBEDS = "text_embeds";
    public static final String TIME_IDS = "time_ids";

    private static final int MAX_COMPILED_PER_EXECUTOR = 1;

    /**
     * What a graph is specialised on. {@code textEmbedDim} and {@code numTimeIds} are 0 for models without
     * the text_time embedding.
     */
    public record ShapeKey(int batch, int height, int width, int textLength, int textEmbedDim, int numTimeIds) {}

    private final UNet2DConditionConfig config;
    private final Weights weights;
    private final AutoCloseable owned;
    private final GraphCache<ShapeKey> graphs = new GraphCache<>(this::build, MAX_COMPILED_PER_EXECUTOR);

    private UNet2DConditionModel(UNet2DConditionConfig config, Weights weights, AutoCloseable owned) {
        this.config = config;
        this.weights = weights;
        this.owned = owned;
        // Build the smallest graph now: every weight is checked against the config at load time, and a
        // mismatch fails naming the tensor.
        graph(checkKey());
    }

    /** Loads a unet folder: config.json + diffusion_pytorch_model.safetensors (or a sharded index). */
    public static UNet2DConditionModel load(Path dir) {
        return ComponentFolder.load(dir, "UNet2DConditionModel", n -> false,
                f -> new UNet2DConditionModel(UNet2DConditionConfig.from(f.config()), f.weights(), f));
    }

    /** A model over weights the caller owns (not closed with it). */
    public static UNet2DConditionModel of(UNet2DConditionConfig config, Weights weights) {
        return new UNet2DConditionModel(config, weights, null);
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    /** Bytes of the weights as stored. */
    public long weightBytes() {
        return weights.totalBytes();
    }

    /** The graph for a shape (built once, then cached). */
    public Graph graph(ShapeKey key) {
        return graphs.graph(key);
    }

    /** The graph for a shape compiled for {@code ex} (the most recent shape per executor is kept). */
    public CompiledGraph compiled(Executor ex, ShapeKey key) {
        return graphs.compiled(ex, key);
    }

    /**
     * {@code unet(sample, timestep, encoder_hidden_states, added_cond_kwargs={text_embeds, time_ids})[0]}.
     *
     * @param sample              [B, in_channels, h, w]
     * @param timestep            [B], [1] or a scalar (broadcast to the batch, as the model does)
     * @param encoderHiddenStates [B, L, cross_attention_dim]
     * @param textEmbeds          pooled text embeddings [B, P] (text_time models only, else null)
     * @param timeIds             [B, N] added time ids (text_time models only, else null)
     * @return the prediction [B, out_channels, h, w]
     */
    public synchronized Tensor forward(Executor ex, Tensor sample, Tensor timestep, Tensor encoderHiddenStates,
                                       Tensor textEmbeds, Tensor timeIds) {
        Map<String, Tensor> in = inputs(sample, timestep, encoderHiddenStates, textEmbeds, timeIds);
        return compiled(ex, keyOf(sample, encoderHiddenStates, textEmbeds, timeIds)).run(in).output(0);
    }

    /** The shape key of a call. */
    public ShapeKey keyOf(Tensor sample, Tensor encoderHiddenStates, Tensor textEmbeds, Tensor timeIds) {
        return new ShapeKey(sample.shape().dim(0), sample.shape().dim(2), sample.shape().dim(3),
                encoderHiddenStates.shape().dim(1),
                textEmbeds == null ? 0 : textEmbeds.shape().dim(1), timeIds == null ? 0 : timeIds.shape().dim(1));
    }

    private Map<String, Tensor> inputs(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor textEmbeds,
                                       Tensor timeIds) {
        Objects.requireNonNull(sample, SAMPLE);
        Objects.requireNonNull(timestep, TIMESTEP);
        Objects.requireNonNull(encoderHiddenStates, ENCODER_HIDDEN_STATES);
        expect(SAMPLE, sample, 4, -1, config.inChannels(), -1, -1);
        int b = sample.shape().dim(0);
        expect(ENCODER_HIDDEN_STATES, encoderHiddenStates, 3, b, -1, config.crossAttentionDim());
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put(SAMPLE, sample.to(DType.F32));
        in.put(TIMESTEP, perBatch(timestep, b));
        in.put(ENCODER_HIDDEN_STATES, encoderHiddenStates.to(DType.F32));
        if (config.textTimeEmbedding()) {
            if (textEmbeds == null || timeIds == null) {
                throw new IllegalArgumentException("this UNet has addition_embed_type 'text_time': text_embeds and "
                        + "time_ids are required");
            }
            expect(TEXT_EMBEDS, textEmbeds, 2, b, -1);
            expect(TIME_IDS, timeIds, 2, b, -1);
            int want = config.projectionClassEmbeddingsInputDim();
            int got = textEmbeds.shape().dim(1) + timeIds.shape().dim(1) * config.additionTimeEmbedDim();
            if (got != want) {
                throw new IllegalArgumentException("text_embeds " + textEmbeds.spec() + " and time_ids " + timeIds.spec()
                        + " give " + got + " added-embedding features, but projection_class_embeddings_input_dim is "
                        + want);
            }
            in.put(TEXT_EMBEDS, textEmbeds.to(DType.F32));
            in.put(TIME_IDS, timeIds.to(DType.F32));
        } else if (textEmbeds != null || timeIds != null) {
            throw new IllegalArgumentException("this UNet has no addition_embed_type: pass no text_embeds/time_ids");
        }
        return in;
    }

    /** A smallest valid shape: one latent pixel per downsampler level, one text token. */
    private ShapeKey checkKey() {
        int s = config.downscale();
        if (!config.textTimeEmbedding()) {
            return new ShapeKey(1, s, s, 1, 0, 0);
        }
        // Any split of projection_class_embeddings_input_dim into P + N·addition_time_embed_dim with P > 0
        // meets add_embedding.linear_1 the same way; SDXL base uses 6 time ids, the refiner 5.
        int proj = config.projectionClassEmbeddingsInputDim();
        int add = config.additionTimeEmbedDim();
        int n = 6;
        while (n > 0 && proj - n * add <= 0) {
            n--;
        }
        return new ShapeKey(1, s, s, 1, proj - n * add, n);
    }

    private Graph build(ShapeKey key) {
        UNet2DConditionConfig c = config;
        int b = key.batch();
        GraphBuilder g = new GraphBuilder();
        Value sample = g.input(SAMPLE, DType.F32, b, c.inChannels(), key.height(), key.width());
        Value t = g.input(TIMESTEP, DType.F32, b);
        Value context = g.input(ENCODER_HIDDEN_STATES, DType.F32, b, key.textLength(), c.crossAttentionDim());
        Value textEmbeds = null;
        Value timeIds = null;
        if (c.textTimeEmbedding()) {
            textEmbeds = g.input(TEXT_EMBEDS, DType.F32, b, key.textEmbedDim());
            timeIds = g.input(TIME_IDS, DType.F32, b, key.numTimeIds());
        }

        Value emb = timeEmbedding(g, t, textEmbeds, timeIds, key);
        UNetContext ctx = new UNetContext(c, g.unary(c.activation(), emb), context);

        Value x = c.centerInputSample() ? g.affine(sample, 2f, -1f) : sample;
        int[] channels = c.blockOutChannels();
        x = Layers.conv2d(g, weights, "conv_in", x, channels[0], c.convInKernel(), 1, (c.convInKernel() - 1) / 2);

        List<Value> skips = new ArrayList<>(List.of(x));
        for (int i = 0; i < c.downBlocks().size(); i++) {
            UNet2DConditionConfig.DownBlock block = c.downBlocks().get(i);
            String name = "down_blocks." + i;
            DownBlockOutput out;
            try (var s = g.scope(name)) {
                out = block.hasCrossAttention()
                        ? CrossAttnDownBlock2D.forward(g, weights.under(name), x, ctx, block)
                        : DownBlock2D.forward(g, weights.under(name), x, ctx, block);
            }
            x = out.hidden();
            skips.addAll(out.residuals());
        }

        try (var s = g.scope("mid_block")) {
            x = UNetMidBlock2DCrossAttn.forward(g, weights.under("mid_block"), x, ctx, c.midBlock());
        }

        Deque<Value> remaining = new ArrayDeque<>(skips);
        for (int i = 0; i < c.upBlocks().size(); i++) {
            UNet2DConditionConfig.UpBlock block = c.upBlocks().get(i);
            if (remaining.size() < block.numLayers()) {
                throw new IllegalStateException("up_blocks." + i + " needs " + block.numLayers() + " skips, "
                        + remaining.size() + " left: layers_per_block does not pair the down and up paths");
            }
            // The upsampler's target is the skip the next block pops first (diffusers' upsample_size).
            List<Value> list = new ArrayList<>(remaining);
            int next = list.size() - block.numLayers() - 1;
            int th = next >= 0 ? list.get(next).spec().shape().dim(2) : -1;
            int tw = next >= 0 ? list.get(next).spec().shape().dim(3) : -1;
            String name = "up_blocks." + i;
            try (var s = g.scope(name)) {
                x = block.hasCrossAttention()
                        ? CrossAttnUpBlock2D.forward(g, weights.under(name), x, remaining, ctx, block, th, tw)
                        : UpBlock2D.forward(g, weights.under(name), x, remaining, ctx, block, th, tw);
            }
        }

        x = Layers.groupNorm(g, weights, "conv_norm_out", x, c.normNumGroups(), c.normEps());
        x = g.unary(c.activation(), x);
        x = Layers.conv2d(g, weights, "conv_out", x, c.outChannels(), c.convOutKernel(), 1, (c.convOutKernel() - 1) / 2);
        return g.build(x);
    }

    /** time_embedding(time_proj(t)), plus add_embedding(cat(text_embeds, add_time_proj(time_ids))) for text_time. */
    private Value timeEmbedding(GraphBuilder g, Value t, Value textEmbeds, Value timeIds, ShapeKey key) {
        UNet2DConditionConfig c = config;
        int c0 = c.blockOutChannels()[0];
        Value tProj = Timesteps.forward(g, "time_proj", t, c0, c.flipSinToCos(), c.freqShift());
        Value emb;
        try (var s = g.scope("time_embedding")) {
            emb = TimestepEmbedding.forward(g, weights.under("time_embedding"), tProj, c.timeEmbedDim(), c.activation());
        }
        if (!c.textTimeEmbedding()) {
            return emb;
        }
        int b = key.batch();
        int n = key.numTimeIds();
        Value flat = g.reshape(timeIds, b * n);
        Value timeEmbeds = Timesteps.forward(g, "add_time_proj", flat, c.additionTimeEmbedDim(), c.flipSinToCos(),
                c.freqShift());
        timeEmbeds = g.reshape(timeEmbeds, b, n * c.additionTimeEmbedDim());
        Value addEmbeds = g.concat(-1, textEmbeds, timeEmbeds);
        Value aug;
        try (var s = g.scope("add_embedding")) {
            aug = TimestepEmbedding.forward(g, weights.under("add_embedding"), addEmbeds, c.timeEmbedDim(),
                    c.activation());
        }
        return g.add(emb, aug);
    }

    private static void expect(String name, Tensor t, int rank, int... dims) {
        boolean ok = t.shape().rank() == rank && t.dtype().isFloatingPoint();
        for (int i = 0; ok && i < dims.length; i++) {
            ok = dims[i] < 0 || t.shape().dim(i) == dims[i];
        }
        if (!ok) {
            StringBuilder want = new StringBuilder("[");
            for (int i = 0; i < dims.length; i++) {
                want.append(i == 0 ? "" : ", ").append(dims[i] < 0 ? "*" : String.valueOf(dims[i]));
            }
            throw new IllegalArgumentException(name + " must be a float tensor " + want + "], got " + t.spec());
        }
    }

    /** A [B] F32 vector from [B], [1] or a scalar (timesteps.expand(sample.shape[0])). */
    private static Tensor perBatch(Tensor t, int b) {
        long n = t.numel();
        if (t.shape().rank() > 1 || (n != b && n != 1) || !t.dtype().isFloatingPoint() && !isInteger(t)) {
            throw new IllegalArgumentException(TIMESTEP + " must be [" + b + "], [1] or a scalar, got " + t.spec());
        }
        float[] v = new float[b];
        for (int i = 0; i < b; i++) {
            v[i] = t.getFloat(n == 1 ? 0 : i);
        }
        return Tensor.ofFloats(Shape.of(b), v);
    }

    private static boolean isInteger(Tensor t) {
        return t.dtype() == DType.I64 || t.dtype() == DType.I32;
    }

    /** Releases compiled graphs and, for a model from {@link #load}, unmaps the weights. */
    @Override
    public synchronized void close() {
        graphs.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + weights.source() + " failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "UNet2DConditionModel[" + config + ", " + weights.source() + "]";
    }
}
