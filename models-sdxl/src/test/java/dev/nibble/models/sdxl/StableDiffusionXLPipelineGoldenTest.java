package dev.nibble.models.sdxl;

import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.pipeline.PipelineTimings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pipeline_sdxl: StableDiffusionXLPipeline(prompt="an astronaut riding a horse on the moon, digital art",
 * height=32, width=48, num_inference_steps=3, guidance_scale=5.0, latents=inputs.latents, output_type="np")
 * against every intermediate the reference recorded.
 */
class StableDiffusionXLPipelineGoldenTest {
    private static final Executor EXEC = Golden.cpu();
    private static Golden golden;
    private static StableDiffusionXLPipeline pipe;

    @BeforeAll
    static void load() {
        golden = Golden.open("pipeline_sdxl");
        pipe = StableDiffusionXLPipeline.load(golden.modelDir());
    }

    @AfterAll
    static void close() {
        if (pipe != null) {
            pipe.close();
        }
        if (golden != null) {
            golden.close();
        }
    }

    private static SdxlRequest request() {
        var call = golden.json().raw().get("call");
        assertTrue(call.get("prompt_2").isNull() && call.get("negative_prompt").isNull());
        return SdxlRequest.builder(call.get("prompt").asText())
                .size(call.get("height").asInt(), call.get("width").asInt())
                .steps(call.get("num_inference_steps").asInt())
                .guidance((float) call.get("guidance_scale").asDouble())
                .latents(golden.input("latents"))
                .build();
    }

    @Test
    void tokenIdsMatch() {
        String prompt = request().prompts().getFirst();
        for (int enc = 0; enc < 2; enc++) {
            String key = (enc == 0 ? "text_encoder" : "text_encoder_2") + ".call0.input_ids";
            long[][] ids = pipe.textEncoders().inputIds(enc, List.of(prompt), -1);
            assertArrayEquals(golden.output(key).toLongArray(), ids[0], key);
        }
    }

    @Test
    void promptEmbeddingsMatch() {
        SdxlRequest r = request();
        PromptEmbeddings e = pipe.textEncoders().encode(EXEC, r.prompts(), null, null, null, true,
                pipe.forceZerosForEmptyPrompt());
        golden.checkIntermediate("prompt_embeds", e.promptEmbeds());
        golden.checkIntermediate("pooled_prompt_embeds", e.pooledPromptEmbeds());
        golden.checkIntermediate("negative_prompt_embeds", e.negativePromptEmbeds());
        golden.checkIntermediate("negative_pooled_prompt_embeds", e.negativePooledPromptEmbeds());
    }

    /** Each recorded U-Net call, fed its recorded inputs (no error carried over from earlier steps). */
    @Test
    void eachUnetCallMatchesOnItsOwnInputs() {
        for (int i = 0; golden.hasOutput("unet.call" + i + ".output"); i++) {
            String p = "unet.call" + i + ".";
            Tensor out = pipe.unet().forward(EXEC, golden.output(p + "sample"), golden.output(p + "timestep"),
                    golden.output(p + "encoder_hidden_states"), golden.output(p + "text_embeds"),
                    golden.output(p + "time_ids"));
            golden.checkModel(p + "output", out);
        }
    }

    @Test
    void wholePipelineMatchesEveryIntermediate() {
        SdxlRequest r = request();
        List<StepListener.Step> steps = new ArrayList<>();
        SdxlResult res = pipe.generate(EXEC, r, steps::add);

        assertArrayEquals(new float[] {32, 48, 0, 0, 32, 48},
                pipe.addTimeIds(new SdxlRequest.Size(32, 48), new SdxlRequest.Crop(0, 0), new SdxlRequest.Size(32, 48)));
        golden.checkIntermediate("prompt_embeds", res.embeddings().promptEmbeds());
        golden.checkIntermediate("pooled_prompt_embeds", res.embeddings().pooledPromptEmbeds());
        golden.checkIntermediate("negative_prompt_embeds", res.embeddings().negativePromptEmbeds());
        golden.checkIntermediate("negative_pooled_prompt_embeds", res.embeddings().negativePooledPromptEmbeds());

        float[] timesteps = golden.output("scheduler.timesteps").toFloatArray();
        assertEquals(timesteps.length, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            StepListener.Step s = steps.get(i);
            assertEquals(i, s.index());
            assertEquals(steps.size(), s.total());
            assertEquals(golden.output("step" + i + ".t").getFloat(0), s.timestep(), "step" + i + ".t");
            golden.checkIntermediate("unet.call" + i + ".sample", s.modelInput());
            golden.checkIntermediate("unet.call" + i + ".output", s.modelOutput());
            golden.checkIntermediate("step" + i + ".latents_after", s.latents());
        }
        golden.checkIntermediate("vae_decode.call0.z", pipe.vae().decodeInput(res.latents()));
        golden.checkIntermediate("vae_decode.call0.sample", res.decoded());
        golden.checkImage("image", res.image());

        PipelineTimings t = res.timings();
        assertEquals(steps.size(), t.steps().length);
        assertTrue(t.total() >= t.textEncode() + t.denoise() + t.vaeDecode());
        assertTrue(res.memory().arenaBytes() > 0 && res.memory().weightBytes() > 0);
        System.out.printf(Locale.ROOT, "pipeline_sdxl: text %.1f ms, denoise %.1f ms (%d steps), decode %.1f ms, "
                        + "total %.1f ms; unet arena %d B, peak live %d B, device high water %d B, host peak RSS %d B%n",
                t.textEncode() / 1e6, t.denoise() / 1e6, t.steps().length, t.vaeDecode() / 1e6, t.total() / 1e6,
                res.memory().arenaBytes(), res.memory().peakLiveBytes(), res.memory().deviceHighWaterBytes(),
                res.memory().hostPeakRssBytes());
    }

    @Test
    void seededTextToImageAndImageToImageRun() {
        SdxlRequest t2i = SdxlRequest.builder("a red cube").size(32, 32).steps(2).seed(7).build();
        SdxlResult a = pipe.generate(EXEC, t2i, null);
        SdxlResult b = pipe.generate(EXEC, t2i, null);
        assertEquals(Shape.of(1, 32, 32, 3), a.image().shape());
        // Same seed, same image. Within 1e-5, not bit for bit: the CLIP text encoder on the fast CPU device
        // currently differs by ~1 ulp between identical calls (the U-Net and VAE repeat exactly).
        assertArrayEquals(a.image().toFloatArray(), b.image().toFloatArray(), 1e-5f, "same seed, same image");
        for (float v : a.image().toFloatArray()) {
            assertTrue(v >= 0f && v <= 1f && !Float.isNaN(v));
        }

        List<StepListener.Step> steps = new ArrayList<>();
        SdxlRequest i2i = SdxlRequest.builder("a red cube").steps(4).seed(3).negativePrompt("blurry")
                .image(nchw(a.image()), 0.5).build();
        SdxlResult c = pipe.generate(EXEC, i2i, steps::add);
        assertEquals(2, steps.size(), "strength 0.5 of 4 steps runs the last 2");
        assertTrue(c.timings().vaeEncode() > 0);
        assertNotNull(c.embeddings().negativePromptEmbeds());
        assertEquals(Shape.of(1, 32, 32, 3), c.image().shape());
    }

    /** NHWC → NCHW. */
    private static Tensor nchw(Tensor nhwc) {
        int b = nhwc.shape().dim(0), h = nhwc.shape().dim(1), w = nhwc.shape().dim(2), c = nhwc.shape().dim(3);
        float[] in = nhwc.toFloatArray();
        float[] out = new float[in.length];
        for (int bi = 0; bi < b; bi++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ci = 0; ci < c; ci++) {
                        out[((bi * c + ci) * h + y) * w + x] = in[((bi * h + y) * w + x) * c + ci];
                    }
                }
            }
        }
        return Tensor.ofFloats(Shape.of(b, c, h, w), out);
    }
}
