package dev.nibble.models.common.scheduler;

import static dev.nibble.models.common.scheduler.GoldenCase.assertUlps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nibble.models.common.scheduler.EulerDiscreteConfig.BetaSchedule;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.FinalSigmas;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.PredictionType;
import dev.nibble.models.common.scheduler.EulerDiscreteConfig.TimestepSpacing;
import org.junit.jupiter.api.Test;

/**
 * Spacings and prediction types the golden set does not cover. Expected values come from numpy 2.4 applying
 * diffusers' formulas (np.linspace / np.arange().round() timesteps, np.interp) to the SDXL training sigmas
 * that the golden schedules pin down bit for bit.
 */
class EulerDiscreteSchedulerTest {

    private static EulerDiscreteScheduler sdxlWith(TimestepSpacing spacing, int offset, PredictionType prediction) {
        return new EulerDiscreteScheduler(new EulerDiscreteConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR,
                prediction, spacing, offset, FinalSigmas.ZERO));
    }

    @Test
    void linspaceSpacingInterpolatesBetweenTrainingSigmas() {
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.LINSPACE, 0, PredictionType.EPSILON);
        s.setTimesteps(7);
        assertArrayEquals(new float[] {999.0f, 832.5f, 666.0f, 499.5f, 333.0f, 166.5f, 0.0f}, s.timesteps());
        assertUlps(new float[] {14.614645004272461f, 5.948917865753174f, 2.9183082580566406f, 1.6155833005905151f,
                0.9323583245277405f, 0.4935535192489624f, 0.029167532920837402f, 0f}, s.sigmas(), 0, "sigmas");
        // linspace spacing: the initial noise is scaled by max sigma itself
        assertEquals(14.614645004272461f, s.initNoiseSigma());
    }

    @Test
    void trailingSpacingStartsAtTheLastTrainingStep() {
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.TRAILING, 1, PredictionType.EPSILON);
        s.setTimesteps(7);
        assertArrayEquals(new float[] {999f, 856f, 713f, 570f, 428f, 285f, 142f}, s.timesteps());
        assertUlps(new float[] {14.614645004272461f, 6.668572425842285f, 3.5138790607452393f, 2.054476499557495f,
                1.2762356996536255f, 0.7900615334510803f, 0.43806231021881104f, 0f}, s.sigmas(), 0, "sigmas");
        assertEquals(14.614645004272461f, s.initNoiseSigma());
        s.setTimesteps(3);
        assertArrayEquals(new float[] {999f, 666f, 332f}, s.timesteps());
    }

    @Test
    void leadingSpacingUsesIntegerRatioAndOffset() {
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.LEADING, 1, PredictionType.EPSILON);
        s.setTimesteps(3);
        assertArrayEquals(new float[] {667f, 334f, 1f}, s.timesteps());
        float max = s.sigma(0);
        assertEquals((float) Math.sqrt(max * max + 1f), s.initNoiseSigma());
    }

    @Test
    void sigmaMinFinalSigma() {
        EulerDiscreteScheduler s = new EulerDiscreteScheduler(new EulerDiscreteConfig(1000, 0.00085, 0.012,
                BetaSchedule.SCALED_LINEAR, PredictionType.EPSILON, TimestepSpacing.LEADING, 1, FinalSigmas.SIGMA_MIN));
        s.setTimesteps(4);
        assertEquals(0.029167532920837402f, s.sigma(4));
    }

    @Test
    void vPredictionRecoversTheCleanSample() {
        // With x = x0 + sigma * eps and v = (eps - sigma * x0) / sqrt(sigma^2 + 1) (v scaled to the k-diffusion
        // input), the v-prediction x0 estimate returns x0.
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.LEADING, 1, PredictionType.V_PREDICTION);
        s.setTimesteps(4);
        float sigma = s.sigma(1);
        float x0 = 0.7f;
        float eps = -1.3f;
        float x = x0 + sigma * eps;
        float v = (float) ((eps - sigma * x0) / Math.sqrt(sigma * sigma + 1));
        float pred = s.predictOriginalSample(new float[] {v}, 1, new float[] {x})[0];
        assertEquals(x0, pred, 1e-5f);
    }

    @Test
    void addNoiseAndImg2ImgStart() {
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.LEADING, 1, PredictionType.EPSILON);
        s.setTimesteps(30);
        Img2ImgStart start = s.img2imgStart(0.3); // int(30 * 0.3) = 9 steps run
        assertEquals(new Img2ImgStart(21, 9), start);
        float sigma = s.sigma(21);
        assertArrayEquals(new float[] {1f + 2f * sigma, -1f}, s.addNoise(new float[] {1f, -1f}, new float[] {2f, 0f}, 21));
        assertThrows(IllegalArgumentException.class, () -> s.img2imgStart(0.01));
    }

    @Test
    void misuseFailsClearly() {
        EulerDiscreteScheduler s = sdxlWith(TimestepSpacing.LEADING, 1, PredictionType.EPSILON);
        assertThrows(IllegalStateException.class, s::timesteps);
        s.setTimesteps(4);
        assertThrows(IndexOutOfBoundsException.class, () -> s.step(new float[1], 4, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> s.step(new float[2], 0, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
    }
}
