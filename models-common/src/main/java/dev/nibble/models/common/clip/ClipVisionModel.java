package dev.nibble.models.common.clip;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.ComponentFolder;
import dev.nibble.models.common.nn.GraphModel;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * transformers' CLIPVisionModel (the ViT image tower of CLIP), and CLIPVisionModelWithProjection when the
 * checkpoint holds {@code visual_projection.weight}. State-dict names are the library's
 * ({@code vision_model.embeddings.{patch_embedding, class_embedding, position_embedding}},
 * {@code vision_model.pre_layrnorm} (sic), {@code vision_model.encoder.layers.N.*},
 * {@code vision_model.post_layernorm}, {@code visual_projection}); the encoder layers are the text tower's
 * ({@link ClipEncoder}) without the causal mask.
 *
 * <p>pooler_output is post_layernorm of the class token (position 0) of the last layer's output;
 * image_embeds is its projection. One graph per batch size, compiled once per executor. Pixels come
 * preprocessed ({@link ClipImageProcessor}).
 */
public final class ClipVisionModel extends GraphModel<Integer> {
    /** What one call returns; {@code imageEmbeds} is null without a projection. */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput, Tensor imageEmbeds) {
    }

    private static final String PREFIX = "vision_model";

    private final ClipVisionConfig config;
    private final Weights weights;
    private final boolean withProjection;

    private ClipVisionModel(ClipVisionConfig config, Weights weights, AutoCloseable resources) {
        super(resources);
        this.config = config;
        this.weights = weights;
        this.withProjection = weights.contains("visual_projection.weight");
        ClipEncoder.requireBiases(weights.under(PREFIX), config);
        graphs.graph(1); // checks every weight against the config now
    }

    /** Loads a component folder (config.json + model.safetensors or a sharded index). */
    public static ClipVisionModel load(Path componentDir) {
        return ComponentFolder.load(componentDir, "CLIPVisionModel", n -> n.endsWith("position_ids"),
                folder -> new ClipVisionModel(ClipVisionConfig.from(folder.config()), folder.weights(), folder));
    }

    /** A model over weights already in hand (a CLIPModel's, tests); nothing is closed with it. */
    public static ClipVisionModel of(ClipVisionConfig config, Weights weights) {
        return new ClipVisionModel(config, weights, () -> { });
    }

    public ClipVisionConfig config() {
        return config;
    }

    /** True for CLIPVisionModelWithProjection (image_embeds available). */
    public boolean hasProjection() {
        return withProjection;
    }

    /** The graph for a batch: input pixel_values F32 [B, C, S, S]; outputs last_hidden_state, pooler_output(, image_embeds). */
    public Graph graph(int batch) {
        return graphs.graph(batch);
    }

    /** Runs the tower on preprocessed pixel_values, F32 [B, num_channels, image_size, image_size]. */
    public synchronized Output encode(Tensor pixelValues, Executor executor) {
        Shape s = pixelValues.shape();
        Shape expected = Shape.of(s.rank() == 4 ? s.dim(0) : 1, config.numChannels(), config.imageSize(), config.imageSize());
        if (s.rank() != 4 || !s.equals(expected) || pixelValues.dtype() != DType.F32) {
            throw new IllegalArgumentException("pixel_values must be F32 " + expected + " for this CLIP vision config, got "
                    + pixelValues.spec());
        }
        RunResult r = graphs.compiled(executor, s.dim(0)).run(Map.of("pixel_values", pixelValues));
        return new Output(r.output(0), r.output(1), withProjection ? r.output(2) : null);
    }

    @Override
    protected Graph build(Integer batch) {
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixel_values", DType.F32, batch, config.numChannels(), config.imageSize(), config.imageSize());
        Weights vm = weights.under(PREFIX);
        Value last;
        Value pooled;
        int d = config.hiddenSize();
        try (var s = g.scope(PREFIX)) {
            Value h;
            try (var e = g.scope("embeddings")) {
                h = ClipVisionEmbeddings.forward(g, vm.under("embeddings"), pixels, config);
            }
            h = Layers.layerNormAffine(g, vm, "pre_layrnorm", h, config.layerNormEps());
            last = ClipEncoder.forward(g, vm, h, null, config, null);
            Value cls = g.reshape(g.slice(last, 1, 0, 1), batch, d);
            pooled = Layers.layerNormAffine(g, vm, "post_layernorm", cls, config.layerNormEps());
        }
        List<Value> outs = new ArrayList<>(List.of(last, pooled));
        if (withProjection) {
            outs.add(Layers.linear(g, weights, "visual_projection", pooled, config.projectionDim()));
        }
        return g.build(outs);
    }

    @Override
    public String toString() {
        return (withProjection ? "CLIPVisionModelWithProjection" : "CLIPVisionModel") + config;
    }
}
