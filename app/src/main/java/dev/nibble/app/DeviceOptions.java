package dev.nibble.app;

import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.Set;

/** The device options every running command shares: backend, strict placement, precision, timing. */
public final class DeviceOptions {
    private static final Set<String> PRECISIONS = Set.of("fp32", "bf16", "svdq-int4");

    @Option(names = "--backend", defaultValue = "auto",
            description = "Backend to run on (auto, cpu, opencl, vulkan, cuda). Default: ${DEFAULT-VALUE}.")
    public String backend;

    @Option(names = "--strict", description = "Fail instead of running unsupported nodes on the CPU.")
    public boolean strict;

    @Option(names = "--precision", defaultValue = "fp32",
            description = "fp32, bf16 (16-bit weights) or svdq-int4 (a folder written by `nibble quantize`). Default: ${DEFAULT-VALUE}.")
    public String precision;

    @Option(names = "--timing", description = "Record per-node timing (slower).")
    public boolean timing;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Keep at most SIZE bytes of weights on the device (e.g. 512M, 2G); weights stream in per node, "
                    + "the next node's prefetched. Default: all resident.")
    public String memoryBudget;

    /** The weight budget in bytes (0 = unlimited). */
    public long memoryBudgetBytes() {
        return memoryBudget == null ? 0 : parseSize(memoryBudget);
    }

    /** "1536", "512K", "512M", "2G" (powers of 1024) → bytes; anything else is bad input. */
    public static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t);
            if (v <= 0 || Double.isNaN(v)) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new BadInputException("--memory-budget: '" + s + "' is not a size like 512M or 2G");
        }
    }

    public String precision() {
        String p = precision.toLowerCase(Locale.ROOT);
        if (!PRECISIONS.contains(p)) {
            throw new BadInputException("--precision must be one of " + PRECISIONS + ", got '" + precision + "'");
        }
        return p;
    }

    /** The chosen device, with the CPU as fallback for nodes it cannot run (none under --strict). */
    public Executor executor() {
        Backends backends = Backends.discover();
        Device d = backends.selectDevice(backend);
        Device cpu = backends.cpu();
        ExecutionOptions options = ExecutionOptions.DEFAULT.withStrict(strict).withTiming(timing)
                .withWeightBudget(memoryBudgetBytes());
        return new Executor(d, strict || d == cpu ? null : cpu, options);
    }
}
