package dev.nibble.models.common.pipeline;

import dev.nibble.engine.exec.Executor;

import java.util.function.Consumer;

/**
 * Device memory of the pipeline stages that run once per request (text encoders, VAE encode and decode).
 * Under a weight budget ({@code --memory-budget}) such a stage frees its device memory as soon as it is done,
 * so the budget bounds the text encoders, the denoiser and the VAE one at a time rather than all of them
 * together; without a budget everything stays resident for the next request (no re-upload, no recompile).
 */
public final class OneShotStages {
    private OneShotStages() {
    }

    /** Calls {@code release} for {@code ex} when {@code ex} runs under a weight budget. */
    public static void releaseIfBudgeted(Executor ex, Consumer<Executor> release) {
        if (ex.options().weightBudgetBytes() > 0) {
            release.accept(ex);
        }
    }
}
