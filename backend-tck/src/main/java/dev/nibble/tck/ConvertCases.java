package dev.nibble.tck;

import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;

import static dev.nibble.engine.tensor.DType.BF16;
import static dev.nibble.engine.tensor.DType.F16;
import static dev.nibble.engine.tensor.DType.F32;
import static dev.nibble.engine.tensor.DType.I32;
import static dev.nibble.engine.tensor.DType.I64;

/** Cast (every pair), Embedding (table and id dtypes), TimestepEmbedding (SDXL, FLUX, SD, odd dims). */
final class ConvertCases {
    private static final DType[] CASTABLE = {F32, F16, BF16, I64, I32};

    private ConvertCases() {
    }

    static List<TckCase> all() {
        List<TckCase> out = new ArrayList<>();
        for (DType from : CASTABLE) {
            for (DType to : CASTABLE) {
                TensorSpec s = TckInput.spec(from, 7, 65);
                TckInput in = from.isFloatingPoint() ? TckInput.normal(s, 0, 100) : TckInput.ints(s, -60000, 60000);
                out.add(TckCase.of(Names.of("x", s) + " to " + to, new Cast(to), to, in));
            }
        }
        // rounding of large integers, and F16 overflow to ±inf (the device must reproduce the infinities)
        out.add(TckCase.of("x[1000]:I64 |x|<2^40 to F32", new Cast(F32), F32, TckInput.ints(TckInput.spec(I64, 1000), -(1L << 40), 1L << 40)));
        out.add(TckCase.of("x[1000] N(0,1e5) to F16", new Cast(F16), F16, TckInput.normal(TckInput.spec(F32, 1000), 0, 1e5)));

        out.add(embedding(F32, 1000, 64, I64, 2, 77));
        out.add(embedding(F16, 65, 127, I32, 7));
        out.add(embedding(BF16, 1, 7, I64, 1));
        out.add(embedding(F32, 49, 8, I32, 2, 3, 4));

        out.add(timestep(2, new TimestepEmbedding(320, true, 0, 1, 10000), true));   // SDXL time_proj
        out.add(timestep(1, new TimestepEmbedding(256, true, 0, 1, 10000), false));  // FLUX, t·1000 fractional
        out.add(timestep(7, new TimestepEmbedding(64, false, 1, 1, 10000), true));   // SD default shift 1
        out.add(timestep(3, new TimestepEmbedding(7, true, 0, 2.5f, 100), false));   // odd dim: zero column
        return out;
    }

    private static TckCase embedding(DType table, int vocab, int d, DType idType, int... idDims) {
        TensorSpec t = TckInput.spec(table, vocab, d), ids = TckInput.spec(idType, idDims);
        return TckCase.of(Names.of("table", t) + " " + Names.of("ids", ids), new Embedding(), table,
                TckInput.normal(t), TckInput.ids(ids, vocab));
    }

    private static TckCase timestep(int batch, TimestepEmbedding op, boolean integerSteps) {
        TensorSpec t = TckInput.spec(F32, batch);
        TckInput in = integerSteps ? TckInput.ints(t, 0, 1000) : TckInput.uniform(t, 0, 1000);
        String name = "t[" + batch + "]" + (integerSteps ? " int" : "") + " dim=" + op.dim() + (op.flipSinToCos() ? " flip" : "")
                + " shift=" + op.downscaleFreqShift() + " scale=" + op.scale() + " period=" + op.maxPeriod();
        return TckCase.of(name, op, in);
    }
}
