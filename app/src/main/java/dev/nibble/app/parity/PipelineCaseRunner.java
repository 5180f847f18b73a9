package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.app.BadInputException;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.flux.FluxPipeline;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.flux.FluxResult;
import dev.nibble.models.sdxl.SdxlRequest;
import dev.nibble.models.sdxl.SdxlResult;
import dev.nibble.models.sdxl.StableDiffusionXLPipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole-pipeline cases (FluxPipeline, StableDiffusionXLPipeline) with the case's call and initial
 * latents: embeddings, every denoiser output and step's latents, the decoded sample and the image.
 * Intermediates are held to max|Δ| ≤ 1e-4·max(1, max|ref|), the image to max|Δ| ≤ 1e-4.
 */
final class PipelineCaseRunner implements CaseRunner {
    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("pipeline");
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        JsonNode call = c.json().get("call");
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile in = c.inputs()) {
            switch (c.className()) {
                case "FluxPipeline" -> flux(c, ctx, call, in, out);
                case "StableDiffusionXLPipeline" -> sdxl(c, ctx, call, in, out);
                default -> throw new BadInputException(c.name() + ": no pipeline for class " + c.className());
            }
        }
        List<TensorCheck> checks = new ArrayList<>();
        try (SafetensorsFile ref = c.outputs(); SafetensorsFile ref64 = c.outputsF64()) {
            for (var e : out.entrySet()) {
                TensorCheck.Tolerance tol = ModelChecks.tolerance(ctx, e.getKey().equals("image")
                        ? TensorCheck.Tolerance.image() : TensorCheck.Tolerance.intermediate());
                if (e.getKey().startsWith("scheduler.")) {
                    tol = TensorCheck.Tolerance.ulps(1);
                }
                checks.add(TensorCheck.compare(e.getKey(), "f32", e.getValue(), ref.tensor(e.getKey()), tol));
                if (ref64 != null && ref64.contains(e.getKey()) && !e.getKey().startsWith("scheduler.")) {
                    checks.add(TensorCheck.compare(e.getKey(), "f64", e.getValue(), ref64.tensor(e.getKey()), tol));
                }
            }
        }
        return new CaseResult(out, null, checks);
    }

    private static void flux(GoldenCase c, ParityContext ctx, JsonNode call, SafetensorsFile in, Map<String, Tensor> out) {
        try (FluxPipeline p = FluxPipeline.load(c.modelDir())) {
            FluxRequest r = FluxRequest.of(call.get("prompt").asText())
                    .withSize(call.get("height").asInt(), call.get("width").asInt())
                    .withSteps(call.get("num_inference_steps").asInt())
                    .withGuidance((float) call.path("guidance_scale").asDouble(0))
                    .withMaxSequenceLength(call.path("max_sequence_length").asInt(FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH))
                    .withLatents(in.tensor("latents"));
            List<Tensor[]> steps = new ArrayList<>();
            FluxResult res = p.generate(ctx.executor(), r, s -> steps.add(new Tensor[]{s.modelOutput(), s.latents()}));
            out.put("prompt_embeds", res.embeddings().promptEmbeds());
            out.put("pooled_prompt_embeds", res.embeddings().pooledPromptEmbeds());
            for (int i = 0; i < steps.size(); i++) {
                out.put("transformer.call" + i + ".output", steps.get(i)[0]);
                out.put("step" + i + ".latents_after", steps.get(i)[1]);
            }
            out.put("vae_decode.call0.sample", res.decoded());
            out.put("image", res.image());
        }
    }

    private static void sdxl(GoldenCase c, ParityContext ctx, JsonNode call, SafetensorsFile in, Map<String, Tensor> out) {
        try (StableDiffusionXLPipeline p = StableDiffusionXLPipeline.load(c.modelDir())) {
            SdxlRequest.Builder b = SdxlRequest.builder(call.get("prompt").asText())
                    .size(call.get("height").asInt(), call.get("width").asInt())
                    .steps(call.get("num_inference_steps").asInt())
                    .guidance((float) call.path("guidance_scale").asDouble(SdxlRequest.DEFAULT_GUIDANCE))
                    .latents(in.tensor("latents"));
            if (call.hasNonNull("prompt_2")) {
                b.prompt2(call.get("prompt_2").asText());
            }
            if (call.hasNonNull("negative_prompt")) {
                b.negativePrompt(call.get("negative_prompt").asText());
            }
            List<Tensor[]> steps = new ArrayList<>();
            SdxlResult res = p.generate(ctx.executor(), b.build(), s -> steps.add(new Tensor[]{s.modelOutput(), s.latents()}));
            out.put("prompt_embeds", res.embeddings().promptEmbeds());
            out.put("pooled_prompt_embeds", res.embeddings().pooledPromptEmbeds());
            if (res.embeddings().negativePromptEmbeds() != null) {
                out.put("negative_prompt_embeds", res.embeddings().negativePromptEmbeds());
                out.put("negative_pooled_prompt_embeds", res.embeddings().negativePooledPromptEmbeds());
            }
            for (int i = 0; i < steps.size(); i++) {
                out.put("unet.call" + i + ".output", steps.get(i)[0]);
                out.put("step" + i + ".latents_after", steps.get(i)[1]);
            }
            out.put("vae_decode.call0.sample", res.decoded());
            out.put("image", res.image());
        }
    }
}
