package dev.nibble.tck;

import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.PoolFn;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.F32;

/**
 * Pool2d: the windows Inception-v3 (FID) and AlexNet (LPIPS) use — 3×3 stride 2 max on odd sides, 3×3
 * stride 1 pad 1 max and average with and without the padded positions counted — plus a rectangular
 * window, a window as large as the padded input and 1×1.
 */
final class PoolCases {
    private PoolCases() {
    }

    static List<TckCase> all() {
        List<TckCase> out = new ArrayList<>();
        out.add(pool(Pool2d.max(3, 2, 0), 1, 3, 35, 35));
        out.add(pool(Pool2d.max(3, 2, 0), 2, 4, 15, 13));
        out.add(pool(Pool2d.max(3, 1, 1), 2, 5, 8, 9));
        out.add(pool(Pool2d.max(2, 2, 1), 1, 3, 7, 6));
        out.add(pool(Pool2d.avg(3, 1, 1, false), 2, 5, 8, 9));
        out.add(pool(Pool2d.avg(3, 1, 1, true), 2, 5, 8, 9));
        out.add(pool(Pool2d.avg(3, 2, 1, false), 1, 7, 17, 17));
        out.add(pool(new Pool2d(PoolFn.AVG, 2, 3, 1, 2, 1, 1, false), 1, 3, 6, 11));
        out.add(pool(new Pool2d(PoolFn.MAX, 3, 2, 2, 1, 1, 0, false), 1, 3, 6, 11));
        out.add(pool(Pool2d.avg(5, 1, 2, false), 1, 2, 3, 3));
        out.add(pool(Pool2d.avg(1, 1, 0, true), 1, 65, 1, 1));
        return out;
    }

    private static TckCase pool(Pool2d op, int... dims) {
        TensorSpec s = TckInput.spec(F32, dims);
        String name = Names.of("x", s) + " " + op.fn() + " k" + op.kernelH() + "x" + op.kernelW() + " s" + op.strideH()
                + "," + op.strideW() + " p" + op.padH() + "," + op.padW() + (op.countIncludePad() ? " count-pad" : "");
        return TckCase.of(name, op, F32, TckInput.normal(s));
    }
}
