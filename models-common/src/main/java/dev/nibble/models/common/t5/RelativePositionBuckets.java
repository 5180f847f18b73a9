package dev.nibble.models.common.t5;

/**
 * T5Attention._relative_position_bucket for the encoder (bidirectional), computed on the host: the
 * table depends only on the lengths. The log-spaced part is evaluated in float32 like the PyTorch
 * code (float tensor ops with the scalars rounded to float), so truncation at exact bucket
 * boundaries lands where it does there.
 */
public final class RelativePositionBuckets {
    private RelativePositionBuckets() {
    }

    /** Bucket of relative position {@code memory - context}. */
    public static int bidirectional(int relativePosition, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int bucket = relativePosition > 0 ? half : 0;
        int n = Math.abs(relativePosition);
        int maxExact = half / 2;
        if (n < maxExact) {
            return bucket + n;
        }
        float ratio = (float) n / (float) maxExact;
        float logRatio = (float) Math.log(ratio);
        float denom = (float) Math.log((double) maxDistance / maxExact);
        float scaled = logRatio / denom * (float) (half - maxExact);
        int large = maxExact + (int) scaled; // .to(torch.long) truncates toward zero
        return bucket + Math.min(large, half - 1);
    }

    /** The [queryLength · keyLength] table, row-major by query: bucket(k − q). */
    public static long[] table(int queryLength, int keyLength, int numBuckets, int maxDistance) {
        long[] out = new long[queryLength * keyLength];
        for (int q = 0; q < queryLength; q++) {
            for (int k = 0; k < keyLength; k++) {
                out[q * keyLength + k] = bidirectional(k - q, numBuckets, maxDistance);
            }
        }
        return out;
    }
}
