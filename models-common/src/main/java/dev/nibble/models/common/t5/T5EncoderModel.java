package dev.nibble.models.common.t5;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.GraphModel;
import dev.nibble.models.common.nn.HostMasks;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * transformers' T5EncoderModel (T5 v1.1 as FLUX's text_encoder_2): {@code shared} embedding,
 * {@code encoder.block.N.layer.{0,1}}, {@code encoder.final_layer_norm}. Block 0 owns the relative
 * attention bias; its bias (plus the padding mask) is reused by every block, as in T5Stack.
 *
 * <p>One graph per (batch, length, masked), compiled once per executor.
 */
public final class T5EncoderModel extends GraphModel<T5EncoderModel.Key> {
    record Key(int batch, int length, boolean masked) {}

    private final T5Config config;
    private final Weights weights;
    private final String embedTokens;

    private T5EncoderModel(T5Config config, Weights weights, AutoCloseable resources) {
        super(resources);
        this.config = config;
        this.weights = weights;
        // encoder.embed_tokens is tied to shared; checkpoints usually store only shared.weight.
        this.embedTokens = weights.contains("shared.weight") || !weights.contains("encoder.embed_tokens.weight")
                ? "shared" : "encoder.embed_tokens";
        graphs.graph(new Key(1, 1, false)); // checks every weight against the config now
    }

    /** Loads a component folder (config.json + model.safetensors or a sharded index). */
    public static T5EncoderModel load(Path componentDir) {
        return ComponentFolder.load(componentDir, "T5EncoderModel",
                n -> n.equals("encoder.embed_tokens.weight") || n.startsWith("decoder."),
                f -> new T5EncoderModel(T5Config.from(f.config()), f.weights(), f));
    }

    /** A model over weights already in hand; nothing is closed with it. */
    public static T5EncoderModel of(T5Config config, Weights weights) {
        return new T5EncoderModel(config, weights, () -> { });
    }

    public T5Config config() {
        return config;
    }

    /** The graph for a shape: inputs input_ids I64 [B, L] and, if masked, attention_mask F32 [B,1,1,L] (additive). */
    public Graph graph(int batch, int length, boolean masked) {
        return graphs.graph(new Key(batch, length, masked));
    }

    public Tensor encode(long[][] ids, Executor executor) {
        return encode(HostMasks.idsI64(ids), null, executor);
    }

    /**
     * {@code model(input_ids=ids, attention_mask=mask).last_hidden_state}, [B, L, d_model].
     *
     * @param attentionMask [B, L] with 1 = token, 0 = padding, or null (the FLUX pipeline passes none)
     */
    public synchronized Tensor encode(Tensor ids, Tensor attentionMask, Executor executor) {
        Tensor ids64 = HostMasks.idsI64(ids);
        int b = ids64.shape().dim(0), l = ids64.shape().dim(1);
        Map<String, Tensor> in = new HashMap<>();
        in.put("input_ids", ids64);
        if (attentionMask != null) {
            in.put("attention_mask", HostMasks.additivePaddingMask(attentionMask, b, l));
        }
        return graphs.compiled(executor, new Key(b, l, attentionMask != null)).run(in).output(0);
    }

    @Override
    protected Graph build(Key key) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("input_ids", DType.I64, key.batch, key.length);
        Value mask = key.masked ? g.input("attention_mask", DType.F32, key.batch, 1, 1, key.length) : null;
        Value h = Layers.embedding(g, weights, embedTokens, ids, config.vocabSize(), config.dModel());
        Weights enc = weights.under("encoder");
        try (var s = g.scope("encoder")) {
            Value bias;
            String owner = "block.0.layer.0.SelfAttention";
            try (var b = g.scope(owner)) {
                bias = T5Attention.positionBias(g, enc.under(owner), key.length, config);
            }
            if (mask != null) {
                bias = g.add(bias, mask); // [1,H,L,L] + [B,1,1,L] → [B,H,L,L], once for all blocks
            }
            for (int i = 0; i < config.numLayers(); i++) {
                String name = "block." + i;
                try (var b = g.scope(name)) {
                    h = T5Block.forward(g, enc.under(name), h, bias, config);
                }
            }
            h = Layers.rmsNormAffine(g, enc, "final_layer_norm", h, config.layerNormEpsilon());
        }
        return g.build(h);
    }

    @Override
    public String toString() {
        return "T5EncoderModel" + config;
    }
}
