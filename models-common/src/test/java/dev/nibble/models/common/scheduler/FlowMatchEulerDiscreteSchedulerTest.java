package dev.nibble.models.common.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Behaviour of the flow-matching scheduler beyond the golden schedules. */
class FlowMatchEulerDiscreteSchedulerTest {

    private static FlowMatchEulerDiscreteScheduler dynamic() {
        return new FlowMatchEulerDiscreteScheduler(new FlowMatchConfig(1000, 3.0, true, 0.5, 1.15, 256, 4096));
    }

    @Test
    void calculateShiftIsLinearBetweenTheConfiguredPoints() {
        assertEquals(0.5, FlowMatchEulerDiscreteScheduler.calculateShift(256, 256, 4096, 0.5, 1.15), 1e-15);
        assertEquals(1.15, FlowMatchEulerDiscreteScheduler.calculateShift(4096, 256, 4096, 0.5, 1.15), 1e-15);
        assertEquals(0.459375, dynamic().mu(16), 0.0);
    }

    @Test
    void dynamicShiftingNeedsMu() {
        FlowMatchEulerDiscreteScheduler s = dynamic();
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(4, null));
        assertThrows(IllegalStateException.class, s::sigmas);
    }

    @Test
    void staticShiftBendsTheScheduleTowardsNoise() {
        // shift 3 (SD3-style, no dynamic shifting): sigma' = 3 s / (1 + 2 s); at s = 0.5 that is 0.75.
        FlowMatchEulerDiscreteScheduler s = new FlowMatchEulerDiscreteScheduler(
                new FlowMatchConfig(1000, 3.0, false, 0.5, 1.15, 256, 4096));
        s.setSigmas(new double[] {1.0, 0.5}, null);
        assertArrayEquals(new float[] {1f, 0.75f, 0f}, s.sigmas());
        assertArrayEquals(new float[] {1000f, 750f}, s.timesteps());
    }

    @Test
    void stepMovesAlongTheVelocity() {
        FlowMatchEulerDiscreteScheduler s = new FlowMatchEulerDiscreteScheduler(FlowMatchConfig.defaults());
        s.setSigmas(new double[] {1.0, 0.5}, null);
        // dt = 0.5 - 1 = -0.5, then 0 - 0.5 = -0.5
        assertArrayEquals(new float[] {1.5f, -1f}, s.step(new float[] {-1f, 4f}, 0, new float[] {1f, 1f}));
        assertArrayEquals(new float[] {0.5f}, s.step(new float[] {1f}, 1, new float[] {1f}));
    }

    @Test
    void img2imgStartAndScaleNoise() {
        FlowMatchEulerDiscreteScheduler s = dynamic();
        s.setFluxTimesteps(28, 4096);
        // init_timestep = 28 * 0.6 = 16.8 (kept as a float), t_start = int(28 - 16.8) = 11
        assertEquals(new Img2ImgStart(11, 17), s.img2imgStart(0.6));
        assertEquals(new Img2ImgStart(0, 28), s.img2imgStart(1.0));
        float sigma = s.sigma(11);
        float[] noised = s.scaleNoise(new float[] {2f, 0f}, 11, new float[] {0f, 1f});
        assertArrayEquals(new float[] {(1f - sigma) * 2f, sigma}, noised);
        assertThrows(IllegalArgumentException.class, () -> s.img2imgStart(1.5));
        assertThrows(IllegalArgumentException.class, () -> s.img2imgStart(0.0));
    }

    @Test
    void fluxDefaultSigmasAreNumpyLinspace() {
        assertArrayEquals(new double[] {1.0}, FlowMatchEulerDiscreteScheduler.fluxDefaultSigmas(1));
        assertArrayEquals(new double[] {1.0, 0.75, 0.5, 0.25}, FlowMatchEulerDiscreteScheduler.fluxDefaultSigmas(4));
    }
}
