package dev.nibble.models.common.scheduler;

import static dev.nibble.models.common.scheduler.GoldenCase.assertRelMax;
import static dev.nibble.models.common.scheduler.GoldenCase.assertUlps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FlowMatchEulerDiscreteScheduler against the diffusers 0.31 reference schedules and step trace. */
class FlowMatchSchedulerGoldenTest {

    private static FlowMatchEulerDiscreteScheduler scheduler(GoldenCase c) {
        // The case's model_dir is the scheduler folder saved with the pipeline.
        return FlowMatchEulerDiscreteScheduler.load(GoldenCase.golden().resolve(c.json.get("model_dir").asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler_flowmatch_flux_dev", "scheduler_flowmatch_flux_schnell"})
    void configMatchesCase(String name) {
        GoldenCase c = GoldenCase.load(name);
        FlowMatchConfig cfg = scheduler(c).config();
        JsonNode j = c.json.get("config");
        assertEquals(j.get("num_train_timesteps").asInt(), cfg.numTrainTimesteps());
        assertEquals(j.get("shift").asDouble(), cfg.shift());
        assertEquals(j.get("use_dynamic_shifting").asBoolean(), cfg.useDynamicShifting());
        assertEquals(j.get("base_shift").asDouble(), cfg.baseShift());
        assertEquals(j.get("max_shift").asDouble(), cfg.maxShift());
        assertEquals(j.get("base_image_seq_len").asInt(), cfg.baseImageSeqLen());
        assertEquals(j.get("max_image_seq_len").asInt(), cfg.maxImageSeqLen());
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler_flowmatch_flux_dev", "scheduler_flowmatch_flux_schnell"})
    void fluxPipelineSchedulesMatchExactly(String name) {
        GoldenCase c = GoldenCase.load(name);
        FlowMatchEulerDiscreteScheduler s = scheduler(c);
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : c.json.get("schedules").properties()) {
            JsonNode sch = e.getValue();
            int steps = sch.get("num_inference_steps").asInt();
            int seqLen = sch.get("image_seq_len").asInt();
            assertEquals(sch.get("mu").asDouble(), s.mu(seqLen), 0.0, e.getKey() + " mu");
            assertArrayEquals(GoldenCase.doubles(sch.get("sigmas_passed_by_pipeline")),
                    FlowMatchEulerDiscreteScheduler.fluxDefaultSigmas(steps), 0.0, e.getKey() + " pipeline sigmas");

            s.setFluxTimesteps(steps, seqLen);
            assertEquals(steps, s.numInferenceSteps());
            assertUlps(c.tensor(e.getKey() + ".timesteps"), s.timesteps(), 0, e.getKey() + ".timesteps");
            assertUlps(c.tensor(e.getKey() + ".sigmas"), s.sigmas(), 0, e.getKey() + ".sigmas");
            assertUlps(GoldenCase.floats(sch.get("timesteps")), s.timesteps(), 0, e.getKey() + " json timesteps");
            assertUlps(GoldenCase.floats(sch.get("sigmas")), s.sigmas(), 0, e.getKey() + " json sigmas");
            checked++;
        }
        assertTrue(checked >= 10, "expected at least 10 schedules in " + name + ", found " + checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler_flowmatch_flux_dev", "scheduler_flowmatch_flux_schnell"})
    void plainSetTimestepsMatchesExactly(String name) {
        GoldenCase c = GoldenCase.load(name);
        FlowMatchEulerDiscreteScheduler s = scheduler(c);
        // The reference passes mu for image_seq_len 1024 when shifting is dynamic.
        Double mu = s.config().useDynamicShifting() ? s.mu(1024) : null;
        int checked = 0;
        for (Map.Entry<String, JsonNode> entry : c.json.get("plain_schedules").properties()) {
            String n = entry.getKey();
            s.setTimesteps(Integer.parseInt(n), mu);
            assertUlps(c.tensor("plain.n" + n + ".timesteps"), s.timesteps(), 0, "plain.n" + n + ".timesteps");
            assertUlps(c.tensor("plain.n" + n + ".sigmas"), s.sigmas(), 0, "plain.n" + n + ".sigmas");
            checked++;
        }
        assertEquals(5, checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler_flowmatch_flux_dev", "scheduler_flowmatch_flux_schnell"})
    void stepTraceMatches(String name) {
        GoldenCase c = GoldenCase.load(name);
        FlowMatchEulerDiscreteScheduler s = scheduler(c);
        s.setFluxTimesteps(4, 16); // the trace's schedule: 4 steps for image_seq_len 16
        float[] sample = c.tensor("trace.initial_sample");
        for (int i = 0; i < 4; i++) {
            String p = "trace.step" + i + ".";
            assertEquals(c.tensor(p + "timestep")[0], s.timestep(i), 0f, p + "timestep");
            assertArrayEquals(c.tensor(p + "sample_in"), sample, p + "sample_in");
            sample = s.step(c.tensor(p + "model_output"), i, sample);
            assertRelMax(c.tensor(p + "prev_sample"), sample, 1e-6, p + "prev_sample");
            assertUlps(c.tensor(p + "prev_sample"), sample, 0, p + "prev_sample");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipeline_flux_dev", "pipeline_flux_schnell"})
    void fluxPipelineScheduleAndStepsMatch(String name) {
        GoldenCase c = GoldenCase.load(name);
        FlowMatchEulerDiscreteScheduler s = FlowMatchEulerDiscreteScheduler.load(
                GoldenCase.golden().resolve(c.json.get("model_dir").asText()).resolve("scheduler"));
        int steps = c.json.get("call").get("num_inference_steps").asInt();
        int seqLen = c.json.get("derived").get("image_seq_len").asInt();
        s.setFluxTimesteps(steps, seqLen);
        assertUlps(c.tensor("scheduler.timesteps"), s.timesteps(), 0, "scheduler.timesteps");
        assertUlps(c.tensor("scheduler.sigmas"), s.sigmas(), 0, "scheduler.sigmas");
        float[] latents = c.tensor("inputs:latents");
        for (int i = 0; i < steps; i++) {
            assertEquals(c.tensor("step" + i + ".t")[0], s.timestep(i), 0f, "step" + i + ".t");
            // The transformer sees the timestep divided by 1000.
            assertEquals(c.tensor("transformer.call" + i + ".timestep")[0], s.timestep(i) / 1000f, 0f);
            assertArrayEquals(c.tensor("transformer.call" + i + ".hidden_states"), latents, "latents before step " + i);
            latents = s.step(c.tensor("transformer.call" + i + ".output"), i, latents);
            assertUlps(c.tensor("step" + i + ".latents_after"), latents, 0, "step" + i + ".latents_after");
        }
    }
}
