package dev.nibble.models.sdxl;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.pipeline.DenoiserMemory;
import dev.nibble.models.common.pipeline.PipelineTimings;

/**
 * A StableDiffusionXLPipeline run: the image (NHWC in [0, 1], diffusers' output_type="np"), the decoded
 * VAE sample and final latents, the prompt embeddings, and where time and memory went (the denoiser is
 * the U-Net).
 */
public record SdxlResult(Tensor image, Tensor decoded, Tensor latents, PromptEmbeddings embeddings,
                         PipelineTimings timings, DenoiserMemory memory) {}
