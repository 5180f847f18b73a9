package dev.nibble.models.flux;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.spi.Device;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under a weight budget the stages that run once per request (CLIP, T5, VAE) free their device memory when
 * done: after a generation only the transformer's arena and weights stay on the device, the image is the
 * same, and the next request sets the stages up again. Without a budget everything stays resident.
 */
class FluxMemoryBudgetTest {
    @Test
    void oneShotStagesReleaseTheirDeviceMemoryUnderABudget() {
        Device d = CpuBackend.fastDevice();
        try (FluxPipeline p = FluxPipeline.load(Golden.path("models/flux_dev"))) {
            FluxRequest r = FluxRequest.of("a red circle").withSize(32, 48).withSteps(2).withMaxSequenceLength(32)
                    .withSeed(7);
            Executor budgeted = new Executor(d, null, ExecutionOptions.DEFAULT.withWeightBudget(64L << 20));
            long before = d.allocatorStats().inUseBytes();
            FluxResult a = p.generate(budgeted, r, null);
            long keptBudgeted = d.allocatorStats().inUseBytes() - before;
            FluxResult again = p.generate(budgeted, r, null); // the released stages come back on demand

            Executor resident = new Executor(d, null, ExecutionOptions.DEFAULT);
            before = d.allocatorStats().inUseBytes();
            FluxResult b = p.generate(resident, r, null);
            long keptResident = d.allocatorStats().inUseBytes() - before;

            assertArrayEquals(b.image().toFloatArray(), a.image().toFloatArray(), "same image with and without a budget");
            assertArrayEquals(a.image().toFloatArray(), again.image().toFloatArray(), "same image on the second request");
            long transformer = a.memory().arenaBytes();
            System.out.printf("[memory] device bytes kept after a generation: budgeted %d, unbudgeted %d; transformer "
                    + "arena %d%n", keptBudgeted, keptResident, transformer);
            assertTrue(keptBudgeted < keptResident, "budgeted " + keptBudgeted + " vs unbudgeted " + keptResident);
            assertTrue(keptBudgeted <= transformer + p.transformer().weightBytes(),
                    "only the transformer stays: kept " + keptBudgeted + ", transformer arena " + transformer);
            assertEquals(2, again.timings().steps().length);
        }
    }
}
