package dev.nibble.models.common.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.models.common.scheduler.EulerDiscreteConfig.BetaSchedule;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.FinalSigmas;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.PredictionType;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.TimestepSpacing;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedule state both Euler schedulers keep, before and after a schedule is set. */
class DiscreteSchedulerTest {

    private static EulerDiscreteScheduler euler() {
        return new EulerDiscreteScheduler(new EulerDiscreteConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR,
                PredictionType.EPSILON, TimestepSpacing.LEADING, 1, FinalSigmas.ZERO));
    }

    private static FlowMatchEulerDiscreteScheduler flowMatch() {
        return new FlowMatchEulerDiscreteScheduler(FlowMatchConfig.defaults());
    }

    /** Both schedulers with an {@code n}-step schedule: Euler first, then flow matching. */
    private static List<DiscreteScheduler> withSteps(int n) {
        EulerDiscreteScheduler e = euler();
        e.setTimesteps(n);
        FlowMatchEulerDiscreteScheduler f = flowMatch();
        f.setTimesteps(n, null);
        return List.of(e, f);
    }

    @Test
    void beforeAScheduleEachSchedulerNamesItsSetters() {
        assertFalse(euler().hasSchedule());
        assertEquals("call setTimesteps first",
                assertThrows(IllegalStateException.class, () -> euler().timesteps()).getMessage());
        assertEquals("call setTimesteps / setSigmas / setFluxTimesteps first",
                assertThrows(IllegalStateException.class, () -> flowMatch().numInferenceSteps()).getMessage());
    }

    @Test
    void aScheduleHasOneSigmaMoreThanSteps() {
        for (DiscreteScheduler s : withSteps(4)) {
            assertTrue(s.hasSchedule());
            assertEquals(4, s.numInferenceSteps());
            assertEquals(4, s.timesteps().length);
            assertEquals(5, s.sigmas().length);
            assertEquals(s.sigmas()[4], s.sigma(4), "sigma() reaches the final sigma");
            assertThrows(IndexOutOfBoundsException.class, () -> s.timestep(4));
            s.timesteps()[0] = -1f;
            assertEquals(s.timestep(0), s.timesteps()[0], "timesteps() is a copy");
        }
    }

    @Test
    void img2imgStartFollowsEachPipelinesRounding() {
        List<DiscreteScheduler> s = withSteps(3);
        // 3 x 0.5 = 1.5 steps: SDXL truncates to 1, FLUX starts at int(3 - 1.5) = 1 and runs 2
        assertEquals(new Img2ImgStart(2, 1), s.get(0).img2imgStart(0.5));
        assertEquals(new Img2ImgStart(1, 2), s.get(1).img2imgStart(0.5));
    }
}
