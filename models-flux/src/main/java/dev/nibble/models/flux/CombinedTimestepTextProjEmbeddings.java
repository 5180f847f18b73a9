package dev.nibble.models.flux;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * {@code time_text_embed}: diffusers' CombinedTimestepTextProjEmbeddings, or
 * CombinedTimestepGuidanceTextProjEmbeddings when the config has guidance_embeds. The conditioning
 * vector temb [B, D] = timestep_embedder(proj(1000·t)) [+ guidance_embedder(proj(1000·g))] + text_embedder(pooled).
 * The sinusoidal projections come in as graph inputs ({@link Timesteps}).
 */
final class CombinedTimestepTextProjEmbeddings {
    /** Width of the sinusoidal projection ({@link Timesteps}). */
    static final int TIME_PROJ_DIM = Timesteps.DIM;

    private CombinedTimestepTextProjEmbeddings() {
    }

    /**
     * @param timestepProj {@link Timesteps#project} of the pipeline's t/1000, [B, 256]
     * @param guidanceProj {@link Timesteps#project} of the guidance scale [B, 256], or null for models
     *                     without guidance_embeds
     * @param pooled   pooled CLIP embeddings [B, pooled_projection_dim]
     */
    static Value forward(GraphBuilder g, Weights w, Value timestepProj, Value guidanceProj, Value pooled) {
        try (var s = g.scope("time_text_embed")) {
            Value temb = mlp(g, w.under("timestep_embedder"), "timestep_embedder", timestepProj);
            if (guidanceProj != null) {
                temb = g.add(temb, mlp(g, w.under("guidance_embedder"), "guidance_embedder", guidanceProj));
            }
            return g.add(temb, mlp(g, w.under("text_embedder"), "text_embedder", pooled));
        }
    }

    private static Value mlp(GraphBuilder g, Weights w, String name, Value x) {
        try (var s = g.scope(name)) {
            return mlp(g, w, x);
        }
    }

    /** linear_1 → SiLU → linear_2 (TimestepEmbedding and PixArtAlphaTextProjection with act_fn="silu"). */
    private static Value mlp(GraphBuilder g, Weights w, Value x) {
        Value h = Layers.linear(g, w, "linear_1", x);
        return Layers.linear(g, w, "linear_2", g.unary(UnaryFn.SILU, h));
    }
}
