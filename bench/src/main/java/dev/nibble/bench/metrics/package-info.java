/**
 * Image quality metrics for comparing a quantised model's outputs with its 16/32-bit original.
 *
 * <ul>
 *   <li>{@link dev.nibble.bench.metrics.Psnr} — 10·log10(R²/MSE) with the data range R explicit (1 for [0, 1],
 *       255 for 8-bit, 2 for [−1, 1]); identical images give +∞.</li>
 *   <li>{@link dev.nibble.bench.metrics.Ssim} — Wang et al. 2004: 11×11 Gaussian window σ = 1.5, K1 = 0.01,
 *       K2 = 0.03, valid region, mean per channel then over channels (equal to scikit-image with
 *       {@code gaussian_weights=True, sigma=1.5, use_sample_covariance=False}).</li>
 *   <li>{@link dev.nibble.bench.metrics.FrechetDistance} over {@link dev.nibble.bench.metrics.GaussianStats} —
 *       the FID formula, the matrix square root's trace through the symmetric form
 *       tr (Σ1^½ Σ2 Σ1^½)^½ with symmetric eigen-decompositions in double (EJML), eps·I regularisation
 *       when the covariances are not usable as they are.</li>
 *   <li>{@link dev.nibble.bench.metrics.FidInception} — the Inception-v3 of FID (pytorch-fid's port of the
 *       TensorFlow graph) on the engine: 299×299 bilinear resize as PyTorch, pool3 features (2048), with weights
 *       the user converts from pytorch-fid's published file (see that class).</li>
 *   <li>{@link dev.nibble.bench.metrics.Lpips} — LPIPS v0.1 (AlexNet) on the engine, with weights the user
 *       converts from the {@code lpips} package (see that class for the one-line conversion).</li>
 *   <li>{@link dev.nibble.bench.metrics.ClipScore} — torchmetrics' CLIP score, 100·max(cos(image, prompt), 0), with
 *       transformers' CLIPModel on the engine ({@code dev.nibble.models.common.clip.ClipModel}: the CLIP text encoder
 *       and the ViT image tower) and CLIPImageProcessor's preprocessing, from a Hugging Face CLIP folder the user
 *       supplies (openai/clip-vit-large-patch14: config.json, model.safetensors, vocab.json, merges.txt).</li>
 * </ul>
 *
 * <p>FidInception and Lpips are checked against PyTorch (torchvision's Inception3 and AlexNet classes) on
 * deterministic weights: {@code bench/src/test/python/make_metric_fixtures.py} writes the reference outputs and
 * the tests regenerate the same weights from the tensor names, so no network weights are stored. ClipScore is
 * checked the same way ({@code make_clip_fixtures.py}) against transformers 5.18's CLIPModel, CLIPImageProcessor
 * (PIL backend: Pillow's resize) and CLIPTokenizer, scored by torchmetrics 1.9's clip_score.
 *
 * <p>{@link dev.nibble.bench.metrics.imagereward.ImageReward} — ImageReward-v1.0 (BLIP ViT-L/16 + BERT with
 * cross-attention + reward MLP) from the user's converted checkpoint and bert-base-uncased vocab.txt, checked
 * the same way ({@code make_imagereward_fixtures.py}). ImageReward and ClipScore are
 * {@link dev.nibble.bench.metrics.PromptImageScore}s: they score an image against its prompt, not two images.
 */
package dev.nibble.bench.metrics;
