package dev.nibble.models.flux;

import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.GraphCache;
import dev.nibble.models.common.nn.SafetensorsWeights;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * diffusers' FluxTransformer2DModel (FLUX.1 dev and schnell) as a graph. Module tree and state-dict names
 * are diffusers 0.31's; every size comes from config.json. One graph per shape (batch, image tokens,
 * text tokens) is built on first use and cached, compiled once per executor.
 *
 * <p>forward(x, context, pooled, t, img_ids, txt_ids, guidance):
 * x_embedder / context_embedder → num_layers double-stream blocks → concatenated [text, image] →
 * num_single_layers single-stream blocks → image tokens → norm_out → proj_out.
 */
public final class FluxTransformer2DModel implements AutoCloseable {
    /** Names of the graph inputs. */
    public static final String HIDDEN_STATES = "hidden_states";
    public static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
    public static final String POOLED_PROJECTIONS = "pooled_projections";
    public static final String TIMESTEP_PROJ = "timestep_proj";
    public static final String GUIDANCE_PROJ = "guidance_proj";
    public static final String ROPE_COS = "rope_cos";
    public static final String ROPE_SIN = "rope_sin";

    /**
     * Compiled graphs kept per executor. Each holds its own activation arena and its own device copy of
     * the weights (24 GB in bf16 for FLUX.1), so only the most recent shape stays compiled; a pipeline run
     * uses one shape throughout, and recompiling is cheap next to a denoising step.
     */
    private static final int MAX_COMPILED_PER_EXECUTOR = 1;

    /** What a graph is specialised on. */
    public record ShapeKey(int batch, int imageSeqLen, int textSeqLen) {}

    private final FluxConfig config;
    private final Weights weights;
    private final AutoCloseable owned;
    private final GraphCache<ShapeKey> graphs = new GraphCache<>(this::build, MAX_COMPILED_PER_EXECUTOR);

    private FluxTransformer2DModel(FluxConfig config, Weights weights, AutoCloseable owned) {
        this.config = config;
        this.weights = weights;
        this.owned = owned;
    }

    /** Loads {@code config.json} and the safetensors weights of a diffusers transformer folder. */
    public static FluxTransformer2DModel load(Path dir) {
        FluxConfig config = FluxConfig.read(dir);
        SafetensorsWeights weights = SafetensorsWeights.open(dir);
        try {
            return create(config, weights, weights);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * A model over weights the caller owns (not closed by {@link #close()}). Fails with a
     * {@link dev.nibble.models.common.nn.MissingWeightException} naming the tensor when the weights do not
     * match the config.
     */
    public static FluxTransformer2DModel of(FluxConfig config, Weights weights) {
        return create(config, weights, null);
    }

    private static FluxTransformer2DModel create(FluxConfig config, Weights weights, AutoCloseable owned) {
        FluxStateDict.of(config).verify(weights, config);
        return new FluxTransformer2DModel(config, weights, owned);
    }

    public FluxConfig config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    /** Total bytes of the weights, as stored. */
    public long weightBytes() {
        return weights.totalBytes();
    }

    /** The graph for one shape (built once, then cached). */
    public Graph graph(int batch, int imageSeqLen, int textSeqLen) {
        return graphs.graph(new ShapeKey(batch, imageSeqLen, textSeqLen));
    }

    /** The graph for one shape compiled for {@code ex} (compiled once per executor, then cached). */
    public CompiledGraph compiled(Executor ex, int batch, int imageSeqLen, int textSeqLen) {
        return graphs.compiled(ex, new ShapeKey(batch, imageSeqLen, textSeqLen));
    }

    /**
     * The transformer's forward pass, as diffusers' {@code model(...)[0]}.
     *
     * @param hiddenStates        packed latents [B, Li, in_channels]
     * @param encoderHiddenStates T5 embeddings [B, Lt, joint_attention_dim]
     * @param pooledProjections   pooled CLIP embeddings [B, pooled_projection_dim]
     * @param timestep            t/1000 as the pipeline passes it, [B] (or [1], broadcast)
     * @param imgIds              [Li, 3] (a [B, Li, 3] tensor's first batch entry is used, as diffusers does)
     * @param txtIds              [Lt, 3] likewise
     * @param guidance            the guidance scale [B] (or [1]); required exactly when guidance_embeds
     * @return the predicted velocity [B, Li, patch² · out_channels]
     */
    public synchronized Tensor forward(Executor ex, Tensor hiddenStates, Tensor encoderHiddenStates,
                                       Tensor pooledProjections, Tensor timestep, Tensor imgIds, Tensor txtIds,
                                       Tensor guidance) {
        Map<String, Tensor> inputs = inputs(hiddenStates, encoderHiddenStates, pooledProjections, timestep, imgIds,
                txtIds, guidance);
        int b = hiddenStates.shape().dim(0);
        int li = hiddenStates.shape().dim(1);
        int lt = encoderHiddenStates.shape().dim(1);
        return compiled(ex, b, li, lt).run(inputs).output(0);
    }

    /** Validates the call's tensors and turns them into the graph's named inputs (rotary tables included). */
    Map<String, Tensor> inputs(Tensor hiddenStates, Tensor encoderHiddenStates, Tensor pooledProjections,
                               Tensor timestep, Tensor imgIds, Tensor txtIds, Tensor guidance) {
        Objects.requireNonNull(hiddenStates, HIDDEN_STATES);
        Objects.requireNonNull(encoderHiddenStates, ENCODER_HIDDEN_STATES);
        Objects.requireNonNull(pooledProjections, POOLED_PROJECTIONS);
        Objects.requireNonNull(timestep, "timestep");
        Objects.requireNonNull(imgIds, "img_ids");
        Objects.requireNonNull(txtIds, "txt_ids");
        expect(HIDDEN_STATES, hiddenStates, 3, -1, -1, config.inChannels());
        int b = hiddenStates.shape().dim(0);
        int li = hiddenStates.shape().dim(1);
        expect(ENCODER_HIDDEN_STATES, encoderHiddenStates, 3, b, -1, config.jointAttentionDim());
        int lt = encoderHiddenStates.shape().dim(1);
        expect(POOLED_PROJECTIONS, pooledProjections, 2, b, config.pooledProjectionDim());
        Tensor img = ids("img_ids", imgIds, li);
        Tensor txt = ids("txt_ids", txtIds, lt);
        if (config.guidanceEmbeds() && guidance == null) {
            throw new IllegalArgumentException("this model has guidance_embeds=true: a guidance scale is required");
        }
        if (!config.guidanceEmbeds() && guidance != null) {
            throw new IllegalArgumentException("this model has guidance_embeds=false: pass no guidance");
        }
        FluxPosEmbed.Tables rope = FluxPosEmbed.tables(FluxPosEmbed.concatIds(txt, img), config.axesDimsRope());
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put(HIDDEN_STATES, hiddenStates.to(DType.F32));
        in.put(ENCODER_HIDDEN_STATES, encoderHiddenStates.to(DType.F32));
        in.put(POOLED_PROJECTIONS, pooledProjections.to(DType.F32));
        in.put(TIMESTEP_PROJ, Timesteps.project(perBatch("timestep", timestep, b)));
        if (guidance != null) {
            in.put(GUIDANCE_PROJ, Timesteps.project(perBatch("guidance", guidance, b)));
        }
        in.put(ROPE_COS, rope.cos());
        in.put(ROPE_SIN, rope.sin());
        return in;
    }

    private Graph build(ShapeKey key) {
        FluxConfig c = config;
        int b = key.batch(), li = key.imageSeqLen(), lt = key.textSeqLen();
        GraphBuilder g = new GraphBuilder();
        Value x = g.input(HIDDEN_STATES, DType.F32, b, li, c.inChannels());
        Value ctx = g.input(ENCODER_HIDDEN_STATES, DType.F32, b, lt, c.jointAttentionDim());
        Value pooled = g.input(POOLED_PROJECTIONS, DType.F32, b, c.pooledProjectionDim());
        Value t = g.input(TIMESTEP_PROJ, DType.F32, b, Timesteps.DIM);
        Value guidance = c.guidanceEmbeds() ? g.input(GUIDANCE_PROJ, DType.F32, b, Timesteps.DIM) : null;
        Value cos = g.input(ROPE_COS, DType.F32, lt + li, c.attentionHeadDim());
        Value sin = g.input(ROPE_SIN, DType.F32, lt + li, c.attentionHeadDim());

        Value img = Layers.linear(g, weights, "x_embedder", x);
        Value temb = CombinedTimestepTextProjEmbeddings.forward(g, weights.under("time_text_embed"), t, guidance,
                pooled);
        Value txt = Layers.linear(g, weights, "context_embedder", ctx);
        for (int i = 0; i < c.numLayers(); i++) {
            FluxTransformerBlock.Out o = FluxTransformerBlock.forward(g, weights, i, c, img, txt, temb, cos, sin);
            img = o.image();
            txt = o.text();
        }
        Value joint = g.concat(1, txt, img);
        for (int i = 0; i < c.numSingleLayers(); i++) {
            joint = FluxSingleTransformerBlock.forward(g, weights, i, c, joint, temb, cos, sin);
        }
        img = g.slice(joint, 1, lt, lt + li);
        img = AdaLayerNormContinuous.forward(g, weights, "norm_out", img, temb);
        return g.build(Layers.linear(g, weights, "proj_out", img));
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

    /** [L, 3] ids; a 3-D [B, L, 3] tensor contributes its first entry (diffusers' deprecated form). */
    private Tensor ids(String name, Tensor ids, int length) {
        int axes = config.axesDimsRope().length;
        Tensor t = ids;
        if (t.shape().rank() == 3) {
            t = new Tensor(t.dtype(), Shape.of(t.shape().dim(1), t.shape().dim(2)),
                    t.data().asSlice(0, t.dtype().byteSize((long) t.shape().dim(1) * t.shape().dim(2))));
        }
        if (t.shape().rank() != 2 || t.shape().dim(0) != length || t.shape().dim(1) != axes) {
            throw new IllegalArgumentException(name + " must be [" + length + ", " + axes + "], got " + ids.spec());
        }
        return t;
    }

    /** [B] floats from [B], [1] or a scalar (the pipeline expands t to the batch). */
    private static float[] perBatch(String name, Tensor t, int b) {
        long n = t.numel();
        if (t.shape().rank() > 1 || (n != b && n != 1)) {
            throw new IllegalArgumentException(name + " must be [" + b + "] or [1], got " + t.spec());
        }
        float[] v = new float[b];
        for (int i = 0; i < b; i++) {
            v[i] = t.getFloat(n == 1 ? 0 : i);
        }
        return v;
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
        return "FluxTransformer2DModel[" + config + ", " + weights.source() + "]";
    }
}
