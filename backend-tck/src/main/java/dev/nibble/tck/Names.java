package dev.nibble.tck;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.Arrays;

/** Short spec notation for case names: "x[2,7,65]", "w[64,65]:F16". */
final class Names {
    private Names() {
    }

    static String of(String label, TensorSpec s) {
        String dims = Arrays.toString(s.shape().toArray()).replace(" ", "");
        return label + dims + (s.dtype() == DType.F32 ? "" : ":" + s.dtype());
    }

    static String dims(int... d) {
        return Arrays.toString(d).replace(" ", "");
    }
}
