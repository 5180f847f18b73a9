package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Image-to-image and seeded text-to-image on the tiny schnell pipeline (no PyTorch trace exists for these:
 * the checks are the pipeline's own invariants).
 */
class FluxImageToImageTest {
    private static final Executor EX = new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);
    private static FluxPipeline pipe;

    @BeforeAll
    static void load() {
        pipe = FluxPipeline.load(Golden.path("models/flux_schnell"));
    }

    @AfterAll
    static void close() {
        pipe.close();
    }

    private static FluxRequest request() {
        return FluxRequest.of("a red house").withSize(32, 32).withSteps(4).withGuidance(0f).withMaxSequenceLength(16)
                .withSeed(7);
    }

    private static Tensor gradient() {
        float[] v = new float[3 * 32 * 32];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 97) / 96f;
        }
        return Tensor.ofFloats(Shape.of(1, 3, 32, 32), v);
    }

    @Test
    void seededTextToImageIsDeterministicAndInRange() {
        FluxResult a = pipe.generate(EX, request(), null);
        FluxResult b = pipe.generate(EX, request(), null);
        assertEquals(Shape.of(1, 32, 32, 3), a.image().shape());
        assertArrayEquals(a.image().toFloatArray(), b.image().toFloatArray());
        for (float v : a.image().toFloatArray()) {
            assertTrue(v >= 0 && v <= 1);
        }
        FluxResult c = pipe.generate(EX, request().withSeed(8), null);
        assertFalse(java.util.Arrays.equals(a.image().toFloatArray(), c.image().toFloatArray()));
    }

    @Test
    void strengthOneStartsFromPureNoiseLikeTextToImage() {
        // sigma[0] is 1 after the shift, so the image's latents get weight 1 - 1 = 0
        FluxResult t2i = pipe.generate(EX, request(), null);
        FluxResult i2i = pipe.generate(EX, request().withImage(gradient(), 1.0), null);
        assertArrayEquals(t2i.latents().toFloatArray(), i2i.latents().toFloatArray());
        assertTrue(i2i.timings().vaeEncode() > 0);
    }

    @Test
    void strengthSkipsTheNoisiestSteps() {
        List<StepListener.Step> steps = new ArrayList<>();
        FluxResult r = pipe.generate(EX, request().withImage(gradient(), 0.5), steps::add);
        assertEquals(2, steps.size()); // int(4 - 4 * 0.5) = 2 steps skipped
        assertEquals(2, r.timings().steps().length);
        float[] all = pipe.scheduler(4, 16).timesteps();
        assertEquals(all[2], steps.get(0).timestep(), 0f);
        assertEquals(Shape.of(1, 32, 32, 3), r.image().shape());
    }

    @Test
    void imageOfTheWrongSizeIsRejected() {
        Tensor small = Tensor.zeros(dev.nibble.engine.tensor.DType.F32, Shape.of(1, 3, 16, 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipe.generate(EX, request().withImage(small, 0.5), null));
        assertTrue(e.getMessage().contains("[1, 3, 32, 32]"), e.getMessage());
    }
}
