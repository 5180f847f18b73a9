package dev.nibble.app.generate;

/** Sees every denoising step as it finishes (the CLI's progress bar, the web demo's progress events). */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param index 0-based step within this run
     * @param total steps this run takes
     * @param nanos wall time of the step (denoiser and scheduler)
     */
    void onStep(int index, int total, long nanos);

    /** A warning about the request (ignored options, words the built-in model does not know), before the run. */
    default void onWarning(String message) {
    }

    ProgressListener NONE = (i, n, t) -> { };
}
