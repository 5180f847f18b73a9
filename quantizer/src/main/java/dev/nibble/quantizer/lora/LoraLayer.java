package dev.nibble.quantizer.lora;

/**
 * One layer of a LoRA: {@code y += scale · B·(A·x)} with A [rank, K] (down) and B [N, rank] (up), both
 * float32 row-major. {@code scale} already includes alpha/rank where the file gives an alpha.
 */
public record LoraLayer(String modulePath, int rank, int k, int n, float[] a, float[] b, float scale) {
    public LoraLayer {
        if (a.length != rank * k || b.length != n * rank) {
            throw new IllegalArgumentException(modulePath + ": LoRA A must be [" + rank + ", " + k + "] and B ["
                    + n + ", " + rank + "], got " + a.length + " and " + b.length + " values");
        }
    }

    public LoraLayer withScale(float s) {
        return new LoraLayer(modulePath, rank, k, n, a, b, s);
    }
}
