package dev.nibble.quantizer;

import dev.nibble.engine.tensor.DType;

/**
 * Quantiser settings.
 *
 * @param rank       low-rank branch rank r (capped per layer at min(N, K))
 * @param groupSize  G, even; K is padded to a multiple of it
 * @param floatType  type of wscales/smooth_factor/proj_down/proj_up: BF16 by default, as nunchaku stores
 *                   them (a layer then takes 0.29× its BF16 bytes at K = N = 3072 instead of 0.32× with
 *                   F32); F32 or F16 on request
 * @param alphaGrid  smoothing migration strengths searched per layer
 * @param seed       for the randomised SVD and synthetic rows
 */
public record SvdqOptions(int rank, int groupSize, DType floatType, double[] alphaGrid, long seed) {
    public SvdqOptions {
        if (rank < 0) {
            throw new IllegalArgumentException("rank must be >= 0, got " + rank);
        }
        if (groupSize <= 0 || groupSize % 2 != 0) {
            throw new IllegalArgumentException("group size must be positive and even, got " + groupSize);
        }
        DTypes.checkFloatType(floatType);
        if (alphaGrid.length == 0) {
            throw new IllegalArgumentException("alpha grid is empty");
        }
        alphaGrid = alphaGrid.clone();
    }

    public static SvdqOptions defaults() {
        return new SvdqOptions(SvdqFormat.DEFAULT_RANK, SvdqFormat.DEFAULT_GROUP_SIZE, DType.BF16,
                Smoothing.DEFAULT_ALPHA_GRID, 0x5EED);
    }

    public SvdqOptions withRank(int r) {
        return new SvdqOptions(r, groupSize, floatType, alphaGrid, seed);
    }

    public SvdqOptions withGroupSize(int g) {
        return new SvdqOptions(rank, g, floatType, alphaGrid, seed);
    }

    public SvdqOptions withFloatType(DType t) {
        return new SvdqOptions(rank, groupSize, t, alphaGrid, seed);
    }

    public SvdqOptions withAlphaGrid(double... grid) {
        return new SvdqOptions(rank, groupSize, floatType, grid, seed);
    }
}
