package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.Weights;

/**
 * BLIP's {@code VisionTransformer} ({@code models/vit.py}), as {@code blip.visual_encoder}: a p×p patch
 * convolution with stride p, flattened to tokens; the class token in front; learned position embeddings
 * added; the blocks ({@link VisionBlock}); a final LayerNorm (eps 1e−6). The output — every token, class
 * token first — is what the text encoder's cross-attention reads.
 */
final class BlipVisionEncoder {
    private BlipVisionEncoder() {
    }

    /** pixels [B, 3, n, n] (normalised) → image embeddings [B, tokens, width]; {@code w} = visual_encoder. */
    static Value forward(GraphBuilder g, Weights w, Value pixels, ImageRewardConfig c) {
        int b = pixels.spec().shape().dim(0);
        int width = c.visionWidth();
        int tokens = c.imageTokens();
        int patches = tokens - 1;
        w.get("patch_embed.proj.bias"); // nn.Conv2d's bias: fails naming it when missing
        Value x = Layers.conv2d(g, w, "patch_embed.proj", pixels, width, c.patchSize(), c.patchSize(), 0);
        x = g.permute(g.reshape(x, b, width, patches), 0, 2, 1);
        float[] cls = StrictParams.f32(w, "cls_token", Shape.of(1, 1, width)).toFloatArray();
        float[] clsRows = new float[b * width];
        for (int i = 0; i < b; i++) {
            System.arraycopy(cls, 0, clsRows, i * width, width);
        }
        Value clsTokens = g.constant(w.fullName("cls_token"), Tensor.ofFloats(Shape.of(b, 1, width), clsRows));
        x = g.concat(1, clsTokens, x);
        Tensor pos = StrictParams.f32(w, "pos_embed", Shape.of(1, tokens, width));
        x = g.add(x, g.constant(w.fullName("pos_embed"), pos));
        for (int i = 0; i < c.visionDepth(); i++) {
            String name = "blocks." + i;
            try (var s = g.scope(name)) {
                x = VisionBlock.forward(g, w.under(name), x, c);
            }
        }
        return Layers.layerNormAffine(g, w, "norm", x, VisionBlock.EPS);
    }
}
