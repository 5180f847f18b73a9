package dev.nibble.tck;

import dev.nibble.backend.cpu.svdq.SvdqCases;
import dev.nibble.engine.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * SvdqLinear's conformance cases: the SVDQ kernels' own case set (K not a multiple of the group,
 * ranks 1–32, every epilogue, F32/F16/BF16 side tensors, outlier channels), with the inputs fixed
 * as generated there so the packed int4 weights are valid. Held to 2e-4 of max(1, max|y|) and
 * 1e-4 relative L2: the integer part is exact, the float parts are summed in different orders.
 */
public final class SvdqCaseSource implements TckCaseSource {
    static final long SEED = 0x5EED_5BD0L;
    static final Tolerance TOLERANCE = new Tolerance(2e-4, 1e-4);

    @Override
    public List<TckCase> cases() {
        List<TckCase> out = new ArrayList<>();
        for (SvdqCases.Case c : SvdqCases.all(SEED)) {
            TckInput[] inputs = c.inputs().stream().map(TckInput::fixed).toArray(TckInput[]::new);
            out.add(TckCase.of(c.name(), c.op(), DType.F32, inputs).withTolerance(TOLERANCE));
        }
        return out;
    }
}
