package dev.nibble.tck;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What one device did with one node: its outputs (null when it never got that far), the problems the
 * harness saw (exceptions, out-of-bounds writes, modified inputs), or its reason for declining.
 */
record DeviceRun(List<Tensor> outputs, List<String> problems, String unsupported) {

    /** Runs {@code node} on {@code device} through the SPI only, with every buffer guarded. */
    static DeviceRun run(Device device, Node node, List<Tensor> inputs) {
        Support s;
        try {
            s = device.supports(node);
        } catch (RuntimeException e) {
            return failed("supports() threw " + e);
        }
        if (!s.supported()) {
            return new DeviceRun(null, List.of(), s.reason().isEmpty() ? "declined without a reason" : s.reason());
        }
        Kernel kernel;
        try {
            kernel = device.compile(node);
        } catch (RuntimeException e) {
            return failed("compile failed: " + e);
        }
        List<GuardedBuffer> ins = new ArrayList<>();
        List<GuardedBuffer> outs = new ArrayList<>();
        try {
            for (Tensor t : inputs) {
                ins.add(GuardedBuffer.input(device, t.data()));
            }
            for (Value v : node.outputs()) {
                outs.add(GuardedBuffer.output(device, v.spec().byteSize()));
            }
            List<DeviceBuffer> inSlices = ins.stream().map(GuardedBuffer::slice).toList();
            List<DeviceBuffer> outSlices = outs.stream().map(GuardedBuffer::slice).toList();
            try {
                kernel.run(inSlices, outSlices);
                device.synchronize();
            } catch (RuntimeException e) {
                return failed("kernel threw " + e);
            }
            return collect(node, ins, outs);
        } finally {
            ins.forEach(GuardedBuffer::close);
            outs.forEach(GuardedBuffer::close);
        }
    }

    private static DeviceRun collect(Node node, List<GuardedBuffer> ins, List<GuardedBuffer> outs) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < ins.size(); i++) {
            var back = ins.get(i).readBack();
            addIfPresent(problems, ins.get(i).checkGuards(back, "input " + i));
            addIfPresent(problems, ins.get(i).checkUnchanged(back, "input " + i));
        }
        List<Tensor> results = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            var back = outs.get(i).readBack();
            addIfPresent(problems, outs.get(i).checkGuards(back, "output " + i));
            Tensor t = Tensor.zeros(node.outputs().get(i).spec().dtype(), node.outputs().get(i).spec().shape());
            t.data().copyFrom(GuardedBuffer.payload(back));
            results.add(t);
        }
        return new DeviceRun(results, problems, null);
    }

    private static DeviceRun failed(String problem) {
        return new DeviceRun(null, List.of(problem), null);
    }

    private static void addIfPresent(List<String> problems, String p) {
        if (p != null) {
            problems.add(p);
        }
    }
}
