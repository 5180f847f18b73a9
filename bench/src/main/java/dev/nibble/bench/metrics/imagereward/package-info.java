/**
 * ImageReward (THUDM, NeurIPS 2023; "ImageReward-v1.0") on the engine, in its parts:
 * {@link dev.nibble.bench.metrics.imagereward.ImageReward} (the public score API, with the weights and vocab.txt
 * the user supplies), {@code ImagePreprocessor} (torchvision's transform on a PIL image, Pillow's resize via ImageResampler.resize8,
 * bit for bit), {@code BlipVisionEncoder} / {@code VisionBlock} (BLIP's ViT), {@code BlipTextEncoder} /
 * {@code BertCrossLayer} / {@code BertAttention} (BLIP's BERT with cross-attention to the image), {@code RewardHead}
 * (the MLP) and {@code RewardNormalization} ((reward − mean) / std); the sizes come from
 * {@link dev.nibble.bench.metrics.imagereward.ImageRewardConfig}. Prompts are tokenised by
 * {@link dev.nibble.models.common.tokenizer.BertWordPieceTokenizer}.
 */
package dev.nibble.bench.metrics.imagereward;
