package dev.nibble.bench.metrics.imagereward;

import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Layers;
import dev.nibble.models.common.nn.MissingWeightException;
import dev.nibble.models.common.nn.Weights;

/**
 * Parameter look-ups that insist on every tensor BLIP's modules have: {@link Layers#linear} quietly runs
 * without a bias it cannot find, but every linear layer of ImageReward has one, so a missing bias is an
 * error naming it here.
 */
final class StrictParams {
    private StrictParams() {
    }

    /** nn.Linear with a bias, weight [out, K] for an input of K features. */
    static Value linear(GraphBuilder g, Weights w, String path, Value x, int out) {
        w.get(path + ".bias"); // fails naming the tensor when it is missing
        return Layers.linear(g, w, path, x, out);
    }

    /** A floating-point tensor of exactly {@code shape}, as F32. */
    static Tensor f32(Weights w, String name, Shape shape) {
        Tensor t = w.get(name);
        Layers.expectShape(w, name, t, shape);
        if (!t.dtype().isFloatingPoint()) {
            throw new MissingWeightException("tensor '" + w.fullName(name) + "' in " + w.source() + " is " + t.spec()
                    + " but a floating-point parameter is expected");
        }
        return t.dtype() == DType.F32 ? t : t.to(DType.F32);
    }
}
