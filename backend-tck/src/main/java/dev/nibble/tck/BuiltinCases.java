package dev.nibble.tck;

import java.util.ArrayList;
import java.util.List;

/**
 * The kit's own catalogue: every op but SvdqLinear (its cases come from a {@link TckCaseSource}
 * provided with the SVDQ kernels). Sizes straddle tile edges (1, 7, 63/64/65, 127), batches > 1,
 * non-square shapes and broadcasting.
 */
final class BuiltinCases {
    private BuiltinCases() {
    }

    static List<TckCase> all() {
        List<TckCase> all = new ArrayList<>();
        all.addAll(MatmulCases.linear());
        all.addAll(MatmulCases.conv2d());
        all.addAll(NormCases.all());
        all.addAll(AttentionCases.attention());
        all.addAll(AttentionCases.rope());
        all.addAll(ElementwiseCases.all());
        all.addAll(LayoutCases.all());
        all.addAll(PoolCases.all());
        all.addAll(ConvertCases.all());
        // SvdqLinear: no built-in cases; see TckCaseSource.
        return all;
    }
}
