package dev.nibble.quantizer.rules;

import dev.nibble.engine.io.ModelIndex;
import dev.nibble.quantizer.QuantizeTarget;

/** Picks the rule for a diffusers pipeline from its model_index.json. */
public final class QuantizeRules {
    private QuantizeRules() {
    }

    /** FLUX pipelines → {@link FluxQuantizeRule}; Stable Diffusion XL pipelines → {@link SdxlQuantizeRule}. */
    public static QuantizeTarget forModel(ModelIndex index) {
        String cls = index.className();
        if (cls.startsWith("Flux")) {
            return FluxQuantizeRule.INSTANCE;
        }
        if (cls.startsWith("StableDiffusionXL")) {
            return SdxlQuantizeRule.INSTANCE;
        }
        throw new IllegalArgumentException(index.path() + ": no quantisation rule for pipeline class '" + cls
                + "' (known: Flux*, StableDiffusionXL*)");
    }
}
