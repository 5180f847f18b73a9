package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.scheduler.FlowMatchConfig;
import dev.nibble.models.common.scheduler.FlowMatchEulerDiscreteScheduler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline's denoising loop alone, from the golden run's prompt embeddings and initial latents:
 * schedule, every transformer call's output and every step's latents against diffusers' trace.
 */
class FluxDenoiseGoldenTest {
    private static final Executor EX = new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);

    @ParameterizedTest
    @ValueSource(strings = {"pipeline_flux_dev", "pipeline_flux_schnell"})
    void loopMatchesDiffusers(String caseName) {
        boolean dev = caseName.endsWith("dev");
        String model = "models/" + (dev ? "flux_dev" : "flux_schnell");
        int steps = dev ? 4 : 2;
        int lh = 8, lw = dev ? 12 : 8;
        float guidanceScale = dev ? 3.5f : 0f;
        try (FluxPipeline p = new FluxPipeline(null, FluxTransformer2DModel.load(Golden.path(model + "/transformer")),
                FlowMatchConfig.load(Golden.path(model + "/scheduler")), null);
             SafetensorsStore in = Golden.open(caseName, "inputs");
             SafetensorsStore out = Golden.open(caseName, "outputs");
             SafetensorsStore out64 = Golden.open(caseName, "outputs_f64")) {
            FlowMatchEulerDiscreteScheduler sch = p.scheduler(steps, (lh / 2) * (lw / 2));
            assertArrayEquals(out.tensor("scheduler.timesteps").toFloatArray(), sch.timesteps(), "timesteps");
            assertArrayEquals(out.tensor("scheduler.sigmas").toFloatArray(), sch.sigmas(), "sigmas");

            PromptEmbeddings emb = new PromptEmbeddings(out.tensor("prompt_embeds"), out.tensor("pooled_prompt_embeds"));
            List<StepListener.Step> trace = new ArrayList<>();
            Float guidance = p.transformer().config().guidanceEmbeds() ? guidanceScale : null;
            Tensor last = p.denoise(EX, emb, in.tensor("latents"), lh, lw, sch, 0, guidance, trace::add);

            assertEquals(steps, trace.size());
            for (int i = 0; i < steps; i++) {
                StepListener.Step s = trace.get(i);
                assertEquals(out.tensor("step" + i + ".t").getFloat(0), s.timestep(), 0f, "t of step " + i);
                assertEquals(out.tensor("transformer.call" + i + ".timestep").getFloat(0), s.timestep() / 1000f, 0f);
                if (dev) {
                    assertEquals(out.tensor("transformer.call" + i + ".guidance").getFloat(0), guidanceScale, 0f);
                }
                String call = "transformer.call" + i + ".output";
                Golden.assertPipelineClose(caseName + " " + call + " vs f32", s.modelOutput(), out.tensor(call));
                Golden.assertPipelineClose(caseName + " " + call + " vs f64", s.modelOutput(), out64.tensor(call));
                String lat = "step" + i + ".latents_after";
                Golden.assertPipelineClose(caseName + " " + lat + " vs f32", s.latents(), out.tensor(lat));
                Golden.assertPipelineClose(caseName + " " + lat + " vs f64", s.latents(), out64.tensor(lat));
            }
            assertArrayEquals(trace.get(steps - 1).latents().toFloatArray(), last.toFloatArray());
        }
    }
}
