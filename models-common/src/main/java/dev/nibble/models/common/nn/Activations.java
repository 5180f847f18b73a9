package dev.nibble.models.common.nn;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.ops.UnaryFn;

import java.util.Locale;

/** transformers' ACT2FN / diffusers' get_activation names as element-wise ops. */
public final class Activations {
    private Activations() {
    }

    /**
     * The op for an activation name from a config ({@code hidden_act}, {@code act_fn},
     * {@code dense_act_fn}). "gelu" is the exact erf form; "gelu_new" and "gelu_pytorch_tanh" are the
     * tanh approximation; "quick_gelu" is CLIP's x·σ(1.702x).
     *
     * @param where the config and key, for the error message
     */
    public static UnaryFn byName(String name, String where) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu" -> UnaryFn.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh" -> UnaryFn.GELU_TANH;
            case "quick_gelu" -> UnaryFn.QUICK_GELU;
            case "silu", "swish" -> UnaryFn.SILU;
            case "relu" -> UnaryFn.RELU;
            case "sigmoid" -> UnaryFn.SIGMOID;
            case "tanh" -> UnaryFn.TANH;
            case "linear", "identity" -> UnaryFn.IDENTITY;
            default -> throw new ConfigException(where + ": activation '" + name + "' is not supported");
        };
    }
}
