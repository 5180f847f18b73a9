package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole FluxPipeline (tokenizers, CLIP, T5, transformer loop, VAE decode, postprocess) against the
 * golden pipeline runs, called as recorded in case.json with the recorded initial latents.
 */
class FluxPipelineGoldenTest {
    private static final Executor EX = new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);

    @ParameterizedTest
    @ValueSource(strings = {"pipeline_flux_dev", "pipeline_flux_schnell"})
    void matchesDiffusers(String caseName) {
        boolean dev = caseName.endsWith("dev");
        String prompt = dev ? "a photo of a cat sitting on a red sofa, highly detailed"
                : "a dragon flying over a stormy sea, fantasy illustration";
        int width = dev ? 48 : 32;
        int steps = dev ? 4 : 2;
        try (FluxPipeline p = FluxPipeline.load(Golden.path("models/" + (dev ? "flux_dev" : "flux_schnell")));
             SafetensorsStore in = Golden.open(caseName, "inputs");
             SafetensorsStore out = Golden.open(caseName, "outputs");
             SafetensorsStore out64 = Golden.open(caseName, "outputs_f64")) {
            ClipT5TextEncoder text = (ClipT5TextEncoder) p.textEncoder();
            assertArrayEquals(out.tensor("text_encoder.call0.input_ids").toLongArray(),
                    text.clipIds(List.of(prompt)).toLongArray(), "CLIP ids");
            assertArrayEquals(out.tensor("text_encoder_2.call0.input_ids").toLongArray(),
                    text.t5Ids(List.of(prompt), 32).toLongArray(), "T5 ids");

            FluxRequest r = FluxRequest.of(prompt).withSize(32, width).withSteps(steps).withGuidance(dev ? 3.5f : 0f)
                    .withMaxSequenceLength(32).withLatents(in.tensor("latents"));
            List<StepListener.Step> trace = new ArrayList<>();
            FluxResult res = p.generate(EX, r, trace::add);

            for (SafetensorsStore ref : List.of(out, out64)) {
                String tag = caseName + (ref == out ? " vs f32 " : " vs f64 ");
                Golden.assertPipelineClose(tag + "prompt_embeds", res.embeddings().promptEmbeds(), ref.tensor("prompt_embeds"));
                Golden.assertPipelineClose(tag + "pooled_prompt_embeds", res.embeddings().pooledPromptEmbeds(),
                        ref.tensor("pooled_prompt_embeds"));
                for (int i = 0; i < steps; i++) {
                    String call = "transformer.call" + i + ".output";
                    Golden.assertPipelineClose(tag + call, trace.get(i).modelOutput(), ref.tensor(call));
                    String lat = "step" + i + ".latents_after";
                    Golden.assertPipelineClose(tag + lat, trace.get(i).latents(), ref.tensor(lat));
                }
                Golden.assertPipelineClose(tag + "vae_decode.call0.sample", res.decoded(), ref.tensor("vae_decode.call0.sample"));
                Golden.Error e = Golden.error(res.image(), ref.tensor("image"));
                System.out.println("[golden] " + tag + "image: " + e);
                assertTrue(e.maxAbs() <= 1e-4, tag + "image " + e);
            }
            assertEquals(steps, res.timings().steps().length);
            assertTrue(res.memory().arenaBytes() > 0);
            System.out.printf("[timing] %s text %.1f ms, steps %s ms, vae %.1f ms, total %.1f ms; transformer arena %d B, "
                            + "peak live %d B, device high-water %d B, weights %d B%n", caseName,
                    res.timings().textEncode() / 1e6, java.util.Arrays.toString(java.util.Arrays.stream(
                            res.timings().steps()).mapToObj(n -> String.format("%.1f", n / 1e6)).toArray()),
                    res.timings().vaeDecode() / 1e6, res.timings().total() / 1e6, res.memory().arenaBytes(),
                    res.memory().peakLiveBytes(), res.memory().deviceHighWaterBytes(),
                    res.memory().weightBytes());
        }
    }
}
