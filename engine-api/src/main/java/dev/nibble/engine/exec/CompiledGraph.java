package dev.nibble.engine.exec;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Stage 4: a placed, fused and planned graph with its kernels compiled, ready to run any number of
 * times. Weights are uploaded once per device on first use and stay resident until {@link #close()}.
 * Not thread-safe: one run at a time (runs share the activation arenas).
 */
public final class CompiledGraph implements AutoCloseable {
    private final Graph graph;
    private final PlacedGraph placed;
    private final MemoryPlan plan;
    private final List<Kernel> kernels;
    private final ExecutionOptions options;
    private final Map<Device, DeviceBuffer> arenas = new LinkedHashMap<>();
    private final WeightResidency weights;
    private volatile NodeObserver observer;

    CompiledGraph(Graph graph, PlacedGraph placed, MemoryPlan plan, List<Kernel> kernels, ExecutionOptions options) {
        this.graph = graph;
        this.placed = placed;
        this.plan = plan;
        this.kernels = kernels;
        this.options = options;
        this.weights = new WeightResidency(placed.nodes(), placed.deviceOf(), graph.constants(), options.weightBudgetBytes());
    }

    public Graph graph() {
        return graph;
    }

    public PlacedGraph placed() {
        return placed;
    }

    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** Watches nodes of later runs (null: none). */
    public void observe(NodeObserver o) {
        this.observer = o;
    }

    /** Runs with inputs given by name. */
    public RunResult run(Map<String, Tensor> inputs) {
        List<Tensor> ordered = new ArrayList<>();
        for (Value v : graph.inputs()) {
            Tensor t = inputs.get(v.name());
            if (t == null) {
                throw new IllegalArgumentException("missing graph input '" + v.name() + "' " + v.spec());
            }
            ordered.add(t);
        }
        if (inputs.size() != ordered.size()) {
            throw new IllegalArgumentException("unknown graph inputs: given " + inputs.keySet() + ", expected "
                    + graph.inputs().stream().map(Value::name).toList());
        }
        return run(ordered);
    }

    /** Runs with inputs in the graph's input order. */
    public RunResult run(List<Tensor> inputs) {
        if (inputs.size() != graph.inputs().size()) {
            throw new IllegalArgumentException("graph takes " + graph.inputs().size() + " inputs, got " + inputs.size());
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < inputs.size(); i++) {
            Value v = graph.inputs().get(i);
            Tensor t = inputs.get(i);
            if (!t.spec().equals(v.spec())) {
                throw new IllegalArgumentException("graph input '" + v.name() + "' must be " + v.spec() + ", got " + t.spec());
            }
            Device d = placed.homeOf().get(v);
            d.write(buffer(v, d), t.data());
        }
        List<NodeTiming> timings = new ArrayList<>();
        List<Node> nodes = placed.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            Device d = placed.deviceOf().get(n);
            weights.beforeNode(i);
            long s = options.timing() ? System.nanoTime() : 0;
            if (placed.transfers().contains(n)) {
                transfer(n);
            } else {
                List<DeviceBuffer> ins = new ArrayList<>(n.inputs().size());
                for (Value v : n.inputs()) {
                    ins.add(buffer(v, d));
                }
                List<DeviceBuffer> outs = new ArrayList<>(n.outputs().size());
                for (Value v : n.outputs()) {
                    outs.add(buffer(v, d));
                }
                try {
                    kernels.get(i).run(ins, outs);
                } catch (KernelException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new KernelException("node " + n + " (" + n.op() + ") failed on " + d.name() + ": " + e, e);
                }
            }
            if (options.timing()) {
                d.synchronize();
                timings.add(new NodeTiming(n.name(), n.op().opName(), d.name(), System.nanoTime() - s));
            }
            NodeObserver o = observer;
            if (o != null && !placed.transfers().contains(n) && o.wants(n)) {
                d.synchronize();
                o.observe(n, hostCopies(n.inputs(), d), hostCopies(n.outputs(), d));
            }
        }
        List<Tensor> outs = new ArrayList<>();
        for (Value v : graph.outputs()) {
            if (graph.constants().containsKey(v)) {
                outs.add(graph.constants().get(v));
                continue;
            }
            Device d = placed.homeOf().get(v);
            d.synchronize();
            Tensor host = Tensor.zeros(v.spec().dtype(), v.spec().shape());
            d.read(buffer(v, d), host.data());
            outs.add(host);
        }
        return new RunResult(outs, System.nanoTime() - t0, timings);
    }

    private List<Tensor> hostCopies(List<Value> values, Device d) {
        List<Tensor> out = new ArrayList<>(values.size());
        for (Value v : values) {
            if (graph.constants().containsKey(v)) {
                out.add(null);
                continue;
            }
            Tensor host = Tensor.zeros(v.spec().dtype(), v.spec().shape());
            d.read(buffer(v, d), host.data());
            out.add(host);
        }
        return out;
    }

    private void transfer(Node copy) {
        Value src = copy.inputs().get(0);
        Value dst = copy.output();
        Device from = placed.homeOf().get(src);
        Device to = placed.deviceOf().get(copy);
        DeviceBuffer s = buffer(src, from);
        DeviceBuffer t = buffer(dst, to);
        from.synchronize();
        if (s instanceof HostBuffer hs) {
            to.write(t, hs.segment());
        } else if (t instanceof HostBuffer ht) {
            from.read(s, ht.segment());
        } else {
            try (Arena staging = Arena.ofConfined()) {
                MemorySegment tmp = staging.allocate(src.spec().byteSize(), 64);
                from.read(s, tmp);
                to.write(t, tmp);
            }
        }
    }

    private DeviceBuffer buffer(Value v, Device d) {
        if (graph.constants().containsKey(v)) {
            return weights.buffer(v, d);
        }
        Object arena = plan.arenaOf().get(v);
        if (!Objects.equals(arena, d)) {
            throw new IllegalStateException("value " + v + " lives on " + arena + ", not " + d.name());
        }
        DeviceBuffer a = arenas.computeIfAbsent(d, k -> k.allocate(Math.max(MemoryPlanner.ALIGNMENT, plan.arenaBytes().get(k))));
        return a.slice(plan.offsets().get(v), v.spec().byteSize());
    }

    /** Bytes of weights resident on each device now. */
    public Map<String, Long> residentWeightBytes() {
        return weights.residentBytes();
    }

    /** The most weight bytes each device held at once (the budget's effect). */
    public Map<String, Long> peakResidentWeightBytes() {
        return weights.peakResidentBytes();
    }

    /** Weight uploads so far (streaming under a budget re-uploads every run). */
    public long weightUploads() {
        return weights.uploads();
    }

    /** Releases the arenas and resident weights. */
    @Override
    public void close() {
        arenas.values().forEach(DeviceBuffer::close);
        arenas.clear();
        weights.close();
    }
}
