package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.pipeline.DenoiserMemory;
import dev.nibble.models.common.pipeline.PipelineTimings;

/**
 * A FluxPipeline run: the image (NHWC in [0, 1], diffusers' output_type="np"), the intermediate
 * tensors a caller may want, and where time and memory went (the denoiser is the transformer).
 */
public record FluxResult(Tensor image, Tensor decoded, Tensor latents, PromptEmbeddings embeddings,
                         PipelineTimings timings, DenoiserMemory memory) {}
