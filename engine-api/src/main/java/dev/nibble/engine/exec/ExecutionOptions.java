package dev.nibble.engine.exec;

/**
 * How the executor runs a graph. {@code strict}: a node the chosen device cannot run is an error
 * instead of a CPU fallback. {@code timing}: synchronise after every node and record its time.
 * {@code fuse}: let the fuse stage fold activations into the preceding linear layer.
 */
public record ExecutionOptions(boolean strict, boolean timing, boolean fuse) {
    public static final ExecutionOptions DEFAULT = new ExecutionOptions(false, false, true);

    public ExecutionOptions withStrict(boolean s) {
        return new ExecutionOptions(s, timing, fuse);
    }

    public ExecutionOptions withTiming(boolean t) {
        return new ExecutionOptions(strict, t, fuse);
    }

    public ExecutionOptions withFuse(boolean f) {
        return new ExecutionOptions(strict, timing, f);
    }
}
