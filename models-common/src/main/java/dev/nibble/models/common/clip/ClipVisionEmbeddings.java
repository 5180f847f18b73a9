package dev.nibble.models.common.clip;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.MissingWeightException;
import dev.nibble.models.common.nn.Weights;

/**
 * CLIPVisionEmbeddings: patch_embedding (a convolution with kernel = stride = patch_size, no bias) turns
 * the image into a grid of patch tokens, the learned class_embedding goes in front of them, and
 * position_embedding(arange(num_patches + 1)) is added.
 */
final class ClipVisionEmbeddings {
    private ClipVisionEmbeddings() {
    }

    /** @param w the weights under {@code vision_model.embeddings}; {@code pixels} F32 [B, C, S, S] */
    static Value forward(GraphBuilder g, Weights w, Value pixels, ClipVisionConfig cfg) {
        Shape in = pixels.spec().shape();
        int b = in.dim(0);
        int d = cfg.hiddenSize();
        int p = cfg.patchSize();
        if (in.dim(1) != cfg.numChannels() || in.dim(2) != cfg.imageSize() || in.dim(3) != cfg.imageSize()) {
            throw new ShapeException("CLIP vision input " + in + " does not match the config's [B, "
                    + cfg.numChannels() + ", " + cfg.imageSize() + ", " + cfg.imageSize() + "]");
        }
        Layers.expectShape(w, "patch_embedding.weight", w.get("patch_embedding.weight"),
                Shape.of(d, cfg.numChannels(), p, p));
        Value patches = Layers.conv2d(g, w, "patch_embedding", pixels, new Conv2d(p, p, 0, 0, 0, 0, false));
        int grid = cfg.gridSize();
        // [B, D, G, G] → flatten(2).transpose(1, 2) → [B, G·G, D]
        patches = g.permute(g.reshape(patches, b, d, grid * grid), 0, 2, 1);

        // class_embedding.expand(B, 1, D): a gather of row 0 of the [1, D] view, which also reads F16/BF16 tables as F32
        Tensor cls = w.get("class_embedding");
        Layers.expectShape(w, "class_embedding", cls, Shape.of(d));
        if (!cls.dtype().isFloatingPoint()) {
            throw new MissingWeightException("tensor '" + w.fullName("class_embedding") + "' in " + w.source()
                    + " is " + cls.spec() + " but a floating-point parameter is expected");
        }
        Value table = g.constant(w.fullName("class_embedding"), cls.reshape(Shape.of(1, d)));
        Value zeros = g.constant(w.fullName("class_embedding") + ".index[" + b + "]", Tensor.ofLongs(Shape.of(b, 1), new long[b]));
        Value classTokens = g.op(new Embedding(), "class_embedding", table, zeros);
        Value h = g.concat(1, classTokens, patches);

        int n = cfg.numPositions();
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
        }
        Value positionIds = g.constant(w.fullName("position_ids") + "[" + n + "]", Tensor.ofLongs(Shape.of(n), pos));
        Value positions = Layers.embedding(g, w, "position_embedding", positionIds, n, d);
        return g.add(h, positions);
    }
}
