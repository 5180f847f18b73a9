package dev.nibble.quantizer.rules;

import dev.nibble.quantizer.QuantizeTarget;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * SDXL (UNet2DConditionModel): inside the U-Net's transformer blocks the self- and cross-attention
 * projections and the feed-forward linears are W4A4 —
 *
 * <pre>
 * {down_blocks.N,up_blocks.N,mid_block}.attentions.N.transformer_blocks.N.{attn1,attn2}.{to_q,to_k,to_v,to_out.0}
 * {down_blocks.N,up_blocks.N,mid_block}.attentions.N.transformer_blocks.N.ff.net.{0.proj,2}
 * </pre>
 *
 * and everything else stays 16/32-bit: convolutions (resnets, samplers, conv_in/out), the attentions'
 * proj_in/proj_out, norms, time embeddings (time_embedding.*, add_embedding.*, resnets' time_emb_proj).
 */
public final class SdxlQuantizeRule implements QuantizeTarget {
    public static final SdxlQuantizeRule INSTANCE = new SdxlQuantizeRule();

    private static final Pattern W4A4 = Pattern.compile(
            "(down_blocks\\.\\d+|up_blocks\\.\\d+|mid_block)\\.attentions\\.\\d+\\.transformer_blocks\\.\\d+\\."
                    + "((attn1|attn2)\\.(to_q|to_k|to_v|to_out\\.0)|ff\\.net\\.(0\\.proj|2))");

    @Override
    public String name() {
        return "sdxl";
    }

    @Override
    public Set<String> components() {
        return Set.of("unet");
    }

    @Override
    public boolean quantize(String component, String modulePath) {
        return "unet".equals(component) && W4A4.matcher(modulePath).matches();
    }
}
