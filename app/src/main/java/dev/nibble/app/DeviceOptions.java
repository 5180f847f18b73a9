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
        ExecutionOptions options = ExecutionOptions.DEFAULT.withStrict(strict).withTiming(timing);
        return new Executor(d, strict || d == cpu ? null : cpu, options);
    }
}
