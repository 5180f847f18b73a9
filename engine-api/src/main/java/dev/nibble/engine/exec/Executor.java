package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs graphs on a device in four stages: place (fallback to the CPU device with explicit copies,
 * or an error under strict) → fuse → plan memory (one arena per device) → compile kernels.
 */
public final class Executor {
    private final Device device;
    private final Device fallback;
    private final ExecutionOptions options;

    /**
     * @param device   where nodes run
     * @param fallback where nodes the device cannot run go (usually the CPU device; null: none)
     */
    public Executor(Device device, Device fallback, ExecutionOptions options) {
        this.device = device;
        this.fallback = fallback;
        this.options = options;
    }

    public Device device() {
        return device;
    }

    public ExecutionOptions options() {
        return options;
    }

    public CompiledGraph compile(Graph graph) {
        PlacedGraph placed = Placer.place(graph, device, fallback, options.strict());
        if (options.fuse()) {
            placed = Fuser.fuse(placed);
        }
        PlacedGraph p = placed;
        MemoryPlan plan = MemoryPlanner.plan(p.nodes(), graph.inputs(), graph.outputs(), graph.constants().keySet(),
                v -> p.homeOf().get(v));
        List<Kernel> kernels = new ArrayList<>(p.nodes().size());
        for (Node n : p.nodes()) {
            if (p.transfers().contains(n)) {
                kernels.add(null);
                continue;
            }
            Device d = p.deviceOf().get(n);
            try {
                kernels.add(d.compile(n));
            } catch (KernelException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KernelException("compiling " + n + " (" + n.op() + ") for " + d.name() + " failed: " + e, e);
            }
        }
        return new CompiledGraph(graph, p, plan, kernels, options);
    }
}
