package dev.nibble.engine.exec;

/**
 * How the executor runs a graph. {@code strict}: a node the chosen device cannot run is an error
 * instead of a CPU fallback. {@code timing}: synchronise after every node and record its time.
 * {@code fuse}: let the fuse stage fold activations into the preceding linear layer.
 * {@code weightBudgetBytes}: 0 keeps every weight resident on its device; a positive budget keeps
 * at most that many weight bytes there, uploading each weight before the node that reads it
 * (prefetching the next node's while the current one runs) and evicting the one needed furthest
 * in the future when space runs out.
 */
public record ExecutionOptions(boolean strict, boolean timing, boolean fuse, long weightBudgetBytes) {
    public static final ExecutionOptions DEFAULT = new ExecutionOptions(false, false, true, 0);

    public ExecutionOptions {
        if (weightBudgetBytes < 0) {
            throw new IllegalArgumentException("weight budget must be >= 0, got " + weightBudgetBytes);
        }
    }

    public ExecutionOptions withStrict(boolean s) {
        return new ExecutionOptions(s, timing, fuse, weightBudgetBytes);
    }

    public ExecutionOptions withTiming(boolean t) {
        return new ExecutionOptions(strict, t, fuse, weightBudgetBytes);
    }

    public ExecutionOptions withFuse(boolean f) {
        return new ExecutionOptions(strict, timing, f, weightBudgetBytes);
    }

    public ExecutionOptions withWeightBudget(long bytes) {
        return new ExecutionOptions(strict, timing, fuse, bytes);
    }
}
