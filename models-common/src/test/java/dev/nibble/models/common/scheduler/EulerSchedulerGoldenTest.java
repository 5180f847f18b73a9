package dev.nibble.models.common.scheduler;

import static dev.nibble.models.common.scheduler.GoldenCase.assertRelMax;
import static dev.nibble.models.common.scheduler.GoldenCase.assertUlps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** EulerDiscreteScheduler (SDXL settings) against the diffusers 0.31 reference schedules and traces. */
class EulerSchedulerGoldenTest {

    private static EulerDiscreteScheduler scheduler() {
        return EulerDiscreteScheduler.load(GoldenCase.golden().resolve("models/sdxl/scheduler"));
    }

    @Test
    void schedulesMatchExactly() {
        GoldenCase c = GoldenCase.load("scheduler_euler_sdxl");
        EulerDiscreteScheduler s = scheduler();
        int checked = 0;
        for (Map.Entry<String, JsonNode> entry : c.json.get("schedules").properties()) {
            String n = entry.getKey();
            JsonNode sch = entry.getValue();
            s.setTimesteps(Integer.parseInt(n));
            String p = "n" + n + ".";
            assertUlps(c.tensor(p + "timesteps"), s.timesteps(), 0, p + "timesteps");
            assertUlps(c.tensor(p + "sigmas"), s.sigmas(), 0, p + "sigmas");
            assertUlps(GoldenCase.floats(sch.get("timesteps")), s.timesteps(), 0, p + "json timesteps");
            assertUlps(GoldenCase.floats(sch.get("sigmas")), s.sigmas(), 0, p + "json sigmas");
            assertEquals((float) sch.get("init_noise_sigma").asDouble(), s.initNoiseSigma(), 0f, p + "init_noise_sigma");
            float[] factor = new float[s.numInferenceSteps()];
            for (int i = 0; i < factor.length; i++) {
                factor[i] = s.scaleModelInput(new float[] {1f}, i)[0];
            }
            // The reference stores 1 / sqrt(sigma^2 + 1); dividing by sqrt(...) may round 1 ulp differently.
            assertUlps(c.tensor(p + "scale_model_input_factor"), factor, 1, p + "scale_model_input_factor");
            checked++;
        }
        assertEquals(5, checked);
    }

    @Test
    void stepTraceMatches() {
        GoldenCase c = GoldenCase.load("scheduler_euler_sdxl");
        EulerDiscreteScheduler s = scheduler();
        s.setTimesteps(4);
        float[] sample = c.tensor("trace.initial_sample");
        for (int i = 0; i < 4; i++) {
            String p = "trace.step" + i + ".";
            assertEquals(c.tensor(p + "timestep")[0], s.timestep(i), 0f, p + "timestep");
            assertArrayEquals(c.tensor(p + "sample_in"), sample, p + "sample_in");
            float[] modelOutput = c.tensor(p + "model_output");
            assertUlps(c.tensor(p + "scaled_model_input"), s.scaleModelInput(sample, i), 0, p + "scaled_model_input");
            assertUlps(c.tensor(p + "pred_original_sample"), s.predictOriginalSample(modelOutput, i, sample), 0,
                    p + "pred_original_sample");
            sample = s.step(modelOutput, i, sample);
            assertRelMax(c.tensor(p + "prev_sample"), sample, 1e-6, p + "prev_sample");
            assertUlps(c.tensor(p + "prev_sample"), sample, 0, p + "prev_sample");
        }
    }

    @Test
    void sdxlPipelineScheduleAndStepsMatch() {
        GoldenCase c = GoldenCase.load("pipeline_sdxl");
        EulerDiscreteScheduler s = EulerDiscreteScheduler.load(GoldenCase.golden().resolve("models/sdxl/scheduler"));
        int steps = c.json.get("call").get("num_inference_steps").asInt();
        float guidance = (float) c.json.get("call").get("guidance_scale").asDouble();
        s.setTimesteps(steps);
        assertUlps(c.tensor("scheduler.timesteps"), s.timesteps(), 0, "scheduler.timesteps");
        assertUlps(c.tensor("scheduler.sigmas"), s.sigmas(), 0, "scheduler.sigmas");
        assertEquals(c.tensor("scheduler.init_noise_sigma")[0], s.initNoiseSigma(), 0f, "init_noise_sigma");

        float[] latents = c.tensor("inputs:latents").clone();
        for (int k = 0; k < latents.length; k++) {
            latents[k] *= s.initNoiseSigma();
        }
        int n = latents.length;
        for (int i = 0; i < steps; i++) {
            String u = "unet.call" + i + ".";
            assertEquals(c.tensor("step" + i + ".t")[0], s.timestep(i), 0f, "step" + i + ".t");
            float[] scaled = s.scaleModelInput(latents, i);
            float[] unetIn = c.tensor(u + "sample"); // [uncond, cond] copies of the scaled latents
            assertUlps(Arrays.copyOfRange(unetIn, 0, n), scaled, 0, u + "sample (uncond half)");
            float[] out = c.tensor(u + "output");
            float[] noise = new float[n];
            for (int k = 0; k < n; k++) {
                float uncond = out[k];
                noise[k] = uncond + guidance * (out[n + k] - uncond);
            }
            latents = s.step(noise, i, latents);
            assertUlps(c.tensor("step" + i + ".latents_after"), latents, 0, "step" + i + ".latents_after");
        }
    }
}
