package dev.nibble.models.common.clip;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.GraphModel;
import dev.nibble.models.common.nn.HostMasks;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * transformers' CLIPTextModel, and CLIPTextModelWithProjection when the checkpoint holds
 * {@code text_projection.weight}. State-dict names are the library's ({@code text_model.embeddings.*},
 * {@code text_model.encoder.layers.N.*}, {@code text_model.final_layer_norm}, {@code text_projection}).
 *
 * <p>One graph per (batch, length, padding mask or not, hidden states or not), compiled once per
 * executor. The pooled position is found on the host from the ids (they are inputs, not activations)
 * and gathered inside the graph, so the projection runs on the device too.
 */
public final class ClipTextModel extends GraphModel<ClipTextModel.Key> {
    /**
     * What one call returns. {@code textEmbeds} is null without a projection. {@code hiddenStates} has
     * numHiddenLayers + 1 entries (0 = embeddings, last = final layer before final_layer_norm), or is
     * empty when not requested.
     */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput, Tensor textEmbeds, List<Tensor> hiddenStates) {
        public Output {
            hiddenStates = List.copyOf(hiddenStates);
        }

        /** hidden_states[i] with Python indexing: {@code hiddenState(-2)} is SDXL's penultimate layer. */
        public Tensor hiddenState(int i) {
            if (hiddenStates.isEmpty()) {
                throw new IllegalStateException("hidden states were not requested");
            }
            return hiddenStates.get(i < 0 ? hiddenStates.size() + i : i);
        }
    }

    record Key(int batch, int length, boolean masked, boolean hiddenStates) {}

    private static final String PREFIX = "text_model";

    private final ClipTextConfig config;
    private final Weights weights;
    private final boolean withProjection;

    private ClipTextModel(ClipTextConfig config, Weights weights, AutoCloseable resources) {
        super(resources);
        this.config = config;
        this.weights = weights;
        this.withProjection = weights.contains("text_projection.weight");
        graphs.graph(new Key(1, 1, false, true)); // checks every weight against the config now
    }

    /** Loads a component folder (config.json + model.safetensors or a sharded index). */
    public static ClipTextModel load(Path componentDir) {
        return ComponentFolder.load(componentDir, "CLIPTextModel", n -> n.endsWith("position_ids"),
                folder -> new ClipTextModel(ClipTextConfig.from(folder.config()), folder.weights(), folder));
    }

    /** A model over weights already in hand (tests, converted checkpoints); nothing is closed with it. */
    public static ClipTextModel of(ClipTextConfig config, Weights weights) {
        return new ClipTextModel(config, weights, () -> { });
    }

    public ClipTextConfig config() {
        return config;
    }

    /** True for CLIPTextModelWithProjection (text_embeds available). */
    public boolean hasProjection() {
        return withProjection;
    }

    /** The graph for a shape: inputs input_ids I64 [B, L], attention_mask F32 [B,1,1,L] if masked, pool_index I64 [B]. */
    public Graph graph(int batch, int length, boolean masked, boolean hiddenStates) {
        return graphs.graph(new Key(batch, length, masked, hiddenStates));
    }

    public Output encode(long[][] ids, Executor executor) {
        return encode(HostMasks.idsI64(ids), null, true, executor);
    }

    public Output encode(Tensor ids, Executor executor) {
        return encode(ids, null, true, executor);
    }

    /**
     * Runs the model as {@code model(input_ids=ids, attention_mask=mask, output_hidden_states=...)}.
     *
     * @param ids            integer [B, L]
     * @param attentionMask  [B, L] with 1 = token, 0 = padding, or null (pipelines pass none)
     */
    public synchronized Output encode(Tensor ids, Tensor attentionMask, boolean outputHiddenStates, Executor executor) {
        Tensor ids64 = HostMasks.idsI64(ids);
        int b = ids64.shape().dim(0), l = ids64.shape().dim(1);
        Key key = new Key(b, l, attentionMask != null, outputHiddenStates);
        Map<String, Tensor> in = new HashMap<>();
        in.put("input_ids", ids64);
        if (attentionMask != null) {
            in.put("attention_mask", HostMasks.additivePaddingMask(attentionMask, b, l));
        }
        int[] pos = poolPositions(ids64);
        long[] flat = new long[b];
        for (int i = 0; i < b; i++) {
            flat[i] = (long) i * l + pos[i];
        }
        in.put("pool_index", Tensor.ofLongs(Shape.of(b), flat));
        RunResult r = graphs.compiled(executor, key).run(in);
        int o = 0;
        Tensor last = r.output(o++);
        Tensor pooled = r.output(o++);
        Tensor embeds = withProjection ? r.output(o++) : null;
        List<Tensor> hidden = new ArrayList<>(r.outputs().subList(o, r.outputs().size()));
        return new Output(last, pooled, embeds, hidden);
    }

    /** The pooled token per row for this model's eos_token_id; see {@link #poolPositions(Tensor, long)}. */
    public int[] poolPositions(Tensor ids) {
        return poolPositions(ids, config.eosTokenId());
    }

    /**
     * The pooled token per row, as transformers (4.45 to 5.18) picks it: with eos_token_id == 2 (the legacy
     * configs of the published checkpoints) argmax(input_ids), i.e. the first occurrence of the largest
     * id; otherwise the first position holding eos_token_id (0 when there is none, as argmax of zeros).
     */
    public static int[] poolPositions(Tensor ids, long eosTokenId) {
        Tensor ids64 = HostMasks.idsI64(ids);
        int b = ids64.shape().dim(0), l = ids64.shape().dim(1);
        long[] all = ids64.toLongArray();
        int[] out = new int[b];
        for (int r = 0; r < b; r++) {
            int best = 0;
            if (eosTokenId == 2) {
                for (int i = 1; i < l; i++) {
                    // transformers casts the ids to int32 before argmax; real ids fit.
                    if ((int) all[r * l + i] > (int) all[r * l + best]) {
                        best = i;
                    }
                }
            } else {
                for (int i = 0; i < l; i++) {
                    if (all[r * l + i] == eosTokenId) {
                        best = i;
                        break;
                    }
                }
            }
            out[r] = best;
        }
        return out;
    }

    @Override
    protected Graph build(Key key) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("input_ids", DType.I64, key.batch, key.length);
        Value mask = key.masked ? g.input("attention_mask", DType.F32, key.batch, 1, 1, key.length) : null;
        Value poolIndex = g.input("pool_index", DType.I64, key.batch);
        Weights tm = weights.under(PREFIX);
        List<Value> hidden = new ArrayList<>();
        Value last;
        try (var s = g.scope(PREFIX)) {
            Value h;
            try (var e = g.scope("embeddings")) {
                h = ClipTextEmbeddings.forward(g, tm.under("embeddings"), ids, config);
            }
            h = ClipEncoder.forward(g, tm, h, mask, config, hidden);
            last = Layers.layerNormAffine(g, tm, "final_layer_norm", h, config.layerNormEps());
        }
        // last_hidden_state[arange(B), pos]: a row gather from the flattened [B·L, D] states.
        Value flat = g.reshape(last, key.batch * key.length, config.hiddenSize());
        Value pooled = g.op(new Embedding(), "pooler", flat, poolIndex);
        List<Value> outs = new ArrayList<>(List.of(last, pooled));
        if (withProjection) {
            outs.add(Layers.linear(g, weights, "text_projection", pooled, config.projectionDim()));
        }
        if (key.hiddenStates) {
            outs.addAll(hidden);
        }
        return g.build(outs);
    }

    @Override
    public String toString() {
        return (withProjection ? "CLIPTextModelWithProjection" : "CLIPTextModel") + config;
    }
}
