package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/**
 * diffusers' sinusoidal {@code get_timestep_embedding}: t [B] → [B, dim] with
 * {@code freq_j = exp(−ln(maxPeriod)·j / (dim/2 − downscaleFreqShift))}, halves [sin, cos]
 * (or [cos, sin] when flipped), arguments multiplied by {@code scale}; odd dims pad one zero.
 */
public record TimestepEmbedding(int dim, boolean flipSinToCos, float downscaleFreqShift, float scale,
                                int maxPeriod) implements Op {
    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        OpChecks.rank(this, "timesteps", in.get(0), 1);
        OpChecks.f32(this, "timesteps", in.get(0));
        return List.of(OpChecks.f32(Shape.of(in.get(0).shape().dim(0), dim)));
    }
}
