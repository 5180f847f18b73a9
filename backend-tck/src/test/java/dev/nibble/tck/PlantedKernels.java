package dev.nibble.tck;

import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.HostBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Deliberately wrong kernels, each built on the reference kernel plus one bug. */
final class PlantedKernels {
    private PlantedKernels() {
    }

    /** Linear that never writes its last output column (a loop bound off by one). */
    static Kernel skipLastColumn(PlantedDevice d, Node node) {
        Kernel ref = d.reference(node);
        int n = node.output().spec().shape().last();
        return (ins, outs) -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment tmp = a.allocate(node.output().spec().byteSize());
                ref.run(ins, List.of(HostBuffer.view(tmp)));
                MemorySegment out = HostBuffer.of(outs.get(0));
                long rows = node.output().spec().shape().numel() / n;
                for (long r = 0; r < rows; r++) {
                    MemorySegment.copy(tmp, r * n * 4, out, r * n * 4, (n - 1) * 4L);
                }
            }
        };
    }

    /** Linear whose dot products stop one short of K (reads x with its last column zeroed). */
    static Kernel skipLastK(PlantedDevice d, Node node) {
        Kernel ref = d.reference(node);
        int k = node.inputs().get(0).spec().shape().last();
        return (ins, outs) -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment x = a.allocate(node.inputs().get(0).spec().byteSize());
                x.copyFrom(HostBuffer.of(ins.get(0)));
                for (long i = k - 1; i < x.byteSize() / 4; i += k) {
                    x.setAtIndex(Tensor.F32, i, 0f);
                }
                List<DeviceBuffer> in = new ArrayList<>(ins);
                in.set(0, HostBuffer.view(x));
                ref.run(in, outs);
            }
        };
    }

    /** Correct output except one NaN. */
    static Kernel oneNaN(PlantedDevice d, Node node) {
        Kernel ref = d.reference(node);
        return (ins, outs) -> {
            ref.run(ins, outs);
            long n = node.output().spec().shape().numel();
            HostBuffer.of(outs.get(0)).setAtIndex(Tensor.F32, n / 2, Float.NaN);
        };
    }

    /** Correct output, then one float written just past the end of its slice. */
    static Kernel writePastEnd(PlantedDevice d, Node node) {
        Kernel ref = d.reference(node);
        return (ins, outs) -> {
            ref.run(ins, outs);
            MemorySegment wide = d.widen(outs.get(0), 4);
            wide.setAtIndex(Tensor.F32, wide.byteSize() / 4 - 1, 42f);
        };
    }

    /** Correct output, but it uses its input as scratch. */
    static Kernel scribbleOnInput(PlantedDevice d, Node node) {
        Kernel ref = d.reference(node);
        return (ins, outs) -> {
            ref.run(ins, outs);
            HostBuffer.of(ins.get(0)).setAtIndex(Tensor.F32, 0, 12345f);
        };
    }

    static Kernel throwing(PlantedDevice d, Node node) {
        return (ins, outs) -> {
            throw new IllegalStateException("planted failure");
        };
    }
}
