package dev.nibble.bench.metrics.imagereward;

import java.util.List;

/**
 * The sizes of an ImageReward network. {@link #V1_0} is ImageReward-v1.0: BLIP's ViT-L/16 at 224 px
 * (width 1024, 24 blocks, 16 heads, MLP 4096), BLIP's BERT-base text encoder (hidden 768, 12 layers, 12 heads,
 * intermediate 3072, 512 positions, 30524 token rows = bert-base-uncased's 30522 + {@code [DEC]} + {@code [ENC]})
 * with a cross-attention to the image in every layer, prompts of 35 tokens, the reward MLP
 * 768 → 1024 → 128 → 64 → 16 → 1 and the normalisation constants of {@code ImageReward.py}. Other values
 * exist for tests on miniature networks; the layer structure (and the five linear layers of the head) is fixed.
 *
 * @param headSizes  output widths of the five linear layers of the reward MLP; the last must be 1
 * @param rewardMean subtracted from the MLP output
 * @param rewardStd  the difference is divided by it
 */
public record ImageRewardConfig(int imageSize, int patchSize, int visionWidth, int visionDepth, int visionHeads,
                                int visionMlpDim, int textHidden, int textLayers, int textHeads, int textIntermediate,
                                int maxPositions, int vocabSize, int maxLength, List<Integer> headSizes,
                                double rewardMean, double rewardStd) {

    /** ImageReward-v1.0 (THUDM/ImageReward, {@code ImageReward.pt} with {@code med_config.json}). */
    public static final ImageRewardConfig V1_0 = new ImageRewardConfig(224, 16, 1024, 24, 16, 4096,
            768, 12, 12, 3072, 512, 30524, 35, List.of(1024, 128, 64, 16, 1),
            0.16717362830052426, 1.0333394966054072);

    public ImageRewardConfig {
        headSizes = List.copyOf(headSizes);
        positive("imageSize", imageSize);
        positive("patchSize", patchSize);
        positive("visionWidth", visionWidth);
        positive("visionDepth", visionDepth);
        positive("visionHeads", visionHeads);
        positive("visionMlpDim", visionMlpDim);
        positive("textHidden", textHidden);
        positive("textLayers", textLayers);
        positive("textHeads", textHeads);
        positive("textIntermediate", textIntermediate);
        positive("vocabSize", vocabSize);
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch size " + patchSize);
        }
        if (visionWidth % visionHeads != 0 || textHidden % textHeads != 0) {
            throw new IllegalArgumentException("widths must split evenly into heads: " + visionWidth + "/" + visionHeads
                    + ", " + textHidden + "/" + textHeads);
        }
        if (maxLength < 3 || maxLength > maxPositions) {
            throw new IllegalArgumentException("max length " + maxLength + " must be in [3, " + maxPositions + "]");
        }
        if (headSizes.size() != RewardHead.LAYERS.length || headSizes.getLast() != 1) {
            throw new IllegalArgumentException("the reward MLP has " + RewardHead.LAYERS.length
                    + " linear layers ending in width 1, got " + headSizes);
        }
        if (!(rewardStd > 0) || !Double.isFinite(rewardMean)) {
            throw new IllegalArgumentException("reward normalisation needs a finite mean and a positive std");
        }
    }

    /** Patches per image side. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Tokens the image encoder outputs: one per patch plus the class token. */
    public int imageTokens() {
        return gridSize() * gridSize() + 1;
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }
}
