package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * One operator of the catalogue. Ops are records: their components are the attributes, and two
 * equal records describe the same computation. Inputs and outputs are given to
 * {@link #infer(List)} in a fixed order that each op documents.
 */
public sealed interface Op permits Linear, SvdqLinear, Conv2d, GroupNorm, LayerNorm, RmsNorm, Attention,
        Rope, Unary, Binary, Geglu, Softmax, Modulate, Concat, Slice, Reshape, Permute, Upsample2x, Pad,
        Embedding, TimestepEmbedding, Reduce, Pool2d, Clamp, Affine, Cast, Copy {

    /** Output specs for these input specs; throws {@link ShapeException} naming the mismatch. */
    List<TensorSpec> infer(List<TensorSpec> inputs);

    /** Short name for reports and errors ("Linear", "Attention", ...). */
    default String opName() {
        return getClass().getSimpleName();
    }
}
