package dev.nibble.engine.ops;

import dev.nibble.engine.tensor.TensorSpec;

import java.util.List;

/** Axis permutation: output axis i is input axis perm[i] (torch.permute). Transpose is a permute. */
public record Permute(List<Integer> perm) implements Op {
    public Permute {
        perm = List.copyOf(perm);
    }

    public static Permute of(int... perm) {
        return new Permute(java.util.Arrays.stream(perm).boxed().toList());
    }

    @Override
    public List<TensorSpec> infer(List<TensorSpec> in) {
        OpChecks.arity(this, in, 1, 1);
        TensorSpec x = in.get(0);
        int r = x.shape().rank();
        if (perm.size() != r) {
            throw new ShapeException("Permute " + perm + " does not match rank of " + x);
        }
        boolean[] seen = new boolean[r];
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int p = perm.get(i);
            if (p < 0 || p >= r || seen[p]) {
                throw new ShapeException("Permute " + perm + " is not a permutation of " + r + " axes");
            }
            seen[p] = true;
            out[i] = x.shape().dim(p);
        }
        return List.of(new TensorSpec(x.dtype(), dev.nibble.engine.tensor.Shape.of(out)));
    }
}
