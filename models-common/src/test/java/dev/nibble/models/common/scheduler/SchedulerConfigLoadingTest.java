package dev.nibble.models.common.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.io.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Scheduler configs load from the shipped/golden model folders and reject what is not implemented. */
class SchedulerConfigLoadingTest {

    @Test
    void goldenFluxConfigsLoad() {
        FlowMatchConfig dev = FlowMatchConfig.load(GoldenCase.golden().resolve("models/flux_dev/scheduler"));
        assertTrue(dev.useDynamicShifting());
        assertEquals(3.0, dev.shift());
        assertEquals(256, dev.baseImageSeqLen());
        assertEquals(4096, dev.maxImageSeqLen());
        FlowMatchConfig schnell = FlowMatchConfig.load(
                GoldenCase.golden().resolve("models/flux_schnell/scheduler/scheduler_config.json"));
        assertFalse(schnell.useDynamicShifting());
        assertEquals(1.0, schnell.shift());
    }

    @Test
    void builtInModelConfigLoads() {
        Path dir = GoldenCase.sharedRoot().resolve("models/nibble-shapes/scheduler");
        FlowMatchEulerDiscreteScheduler s = FlowMatchEulerDiscreteScheduler.load(dir);
        assertEquals(1000, s.config().numTrainTimesteps());
        s.setFluxTimesteps(4, 1024);
        assertEquals(4, s.numInferenceSteps());
        assertEquals(1000f, s.timestep(0));
        assertEquals(0f, s.sigma(4));
    }

    @Test
    void goldenSdxlConfigLoads() {
        EulerDiscreteConfig c = EulerDiscreteConfig.load(GoldenCase.golden().resolve("models/sdxl/scheduler"));
        assertEquals(EulerDiscreteConfig.sdxl(), c);
    }

    @Test
    void defaultsApplyToAbsentAndNullKeys() {
        FlowMatchConfig f = FlowMatchConfig.parse("{\"shift\": null}", "inline.json");
        assertEquals(FlowMatchConfig.defaults(), f);
        EulerDiscreteConfig e = EulerDiscreteConfig.parse("{}", "inline.json");
        assertEquals(EulerDiscreteConfig.TimestepSpacing.LINSPACE, e.timestepSpacing());
        assertEquals(EulerDiscreteConfig.BetaSchedule.LINEAR, e.betaSchedule());
        assertEquals(0, e.stepsOffset());
    }

    @Test
    void wrongClassAndUnsupportedOptionsFailNamingTheFile() {
        ConfigException wrong = assertThrows(ConfigException.class,
                () -> FlowMatchConfig.load(GoldenCase.golden().resolve("models/sdxl/scheduler")));
        assertTrue(wrong.getMessage().contains("scheduler_config.json"), wrong.getMessage());
        assertTrue(wrong.getMessage().contains("EulerDiscreteScheduler"), wrong.getMessage());

        assertThrows(ConfigException.class,
                () -> EulerDiscreteConfig.parse("{\"use_karras_sigmas\": true}", "k.json"));
        assertThrows(ConfigException.class,
                () -> EulerDiscreteConfig.parse("{\"beta_schedule\": \"squaredcos_cap_v2\"}", "b.json"));
        assertThrows(ConfigException.class,
                () -> EulerDiscreteConfig.parse("{\"interpolation_type\": \"log_linear\"}", "i.json"));
        assertThrows(ConfigException.class, () -> FlowMatchConfig.parse("{\"shift_terminal\": 0.1}", "t.json"));
        ConfigException type = assertThrows(ConfigException.class,
                () -> FlowMatchConfig.parse("{\"shift\": \"3\"}", "typed.json"));
        assertTrue(type.getMessage().contains("typed.json"), type.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> FlowMatchConfig.load(Path.of("/nonexistent/scheduler")));
        assertTrue(missing.getMessage().contains("/nonexistent/scheduler"), missing.getMessage());
    }
}
