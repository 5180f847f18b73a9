package dev.nibble.bench.metrics.imagereward;

/**
 * {@code (reward - mean) / std}, in float32 as PyTorch evaluates it on the float32 MLP output with Python
 * float constants (each constant rounded to float32, each step rounded), widened to double at the end as
 * {@code .item()} does.
 */
record RewardNormalization(double mean, double std) {

    static RewardNormalization of(ImageRewardConfig config) {
        return new RewardNormalization(config.rewardMean(), config.rewardStd());
    }

    double apply(float raw) {
        return (raw - (float) mean) / (float) std;
    }
}
