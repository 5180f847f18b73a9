package dev.nibble.quantizer.rules;

import dev.nibble.quantizer.QuantizeTarget;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * FLUX.1 (FluxTransformer2DModel), following nunchaku: the attention and MLP linears of every
 * transformer block are W4A4 —
 *
 * <pre>
 * transformer_blocks.N.attn.{to_q,to_k,to_v,to_out.0}                 image-stream attention
 * transformer_blocks.N.attn.{add_q_proj,add_k_proj,add_v_proj,to_add_out}  text-stream attention
 * transformer_blocks.N.{ff,ff_context}.net.{0.proj,2}                  both MLPs
 * single_transformer_blocks.N.attn.{to_q,to_k,to_v}
 * single_transformer_blocks.N.{proj_mlp,proj_out}                      (proj_out: attention-out + MLP fc2)
 * </pre>
 *
 * and everything else stays 16/32-bit: x_embedder, context_embedder, time_text_embed.* (timestep, text
 * and guidance embedders), the AdaNorm modulation linears (norm1.linear, norm1_context.linear,
 * norm.linear, norm_out.linear), the final proj_out, and all norms.
 */
public final class FluxQuantizeRule implements QuantizeTarget {
    public static final FluxQuantizeRule INSTANCE = new FluxQuantizeRule();

    private static final Pattern W4A4 = Pattern.compile(
            "transformer_blocks\\.\\d+\\.(attn\\.(to_q|to_k|to_v|to_out\\.0|add_q_proj|add_k_proj|add_v_proj|to_add_out)"
                    + "|(ff|ff_context)\\.net\\.(0\\.proj|2))"
            + "|single_transformer_blocks\\.\\d+\\.(attn\\.(to_q|to_k|to_v)|proj_mlp|proj_out)");

    @Override
    public String name() {
        return "flux";
    }

    @Override
    public Set<String> components() {
        return Set.of("transformer");
    }

    @Override
    public boolean quantize(String component, String modulePath) {
        return "transformer".equals(component) && W4A4.matcher(modulePath).matches();
    }
}
