package dev.nibble.quantizer;

import dev.nibble.quantizer.rules.FluxQuantizeRule;
import dev.nibble.quantizer.rules.SdxlQuantizeRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuantizeRulesTest {
    @ParameterizedTest
    @CsvSource({
            "transformer_blocks.0.attn.to_q, true",
            "transformer_blocks.11.attn.to_k, true",
            "transformer_blocks.0.attn.to_v, true",
            "transformer_blocks.0.attn.to_out.0, true",
            "transformer_blocks.0.attn.add_q_proj, true",
            "transformer_blocks.0.attn.add_k_proj, true",
            "transformer_blocks.0.attn.add_v_proj, true",
            "transformer_blocks.0.attn.to_add_out, true",
            "transformer_blocks.0.ff.net.0.proj, true",
            "transformer_blocks.0.ff.net.2, true",
            "transformer_blocks.0.ff_context.net.0.proj, true",
            "transformer_blocks.0.ff_context.net.2, true",
            "single_transformer_blocks.37.attn.to_q, true",
            "single_transformer_blocks.0.proj_mlp, true",
            "single_transformer_blocks.0.proj_out, true",
            "transformer_blocks.0.norm1.linear, false",
            "transformer_blocks.0.norm1_context.linear, false",
            "single_transformer_blocks.0.norm.linear, false",
            "norm_out.linear, false",
            "proj_out, false",
            "x_embedder, false",
            "context_embedder, false",
            "time_text_embed.timestep_embedder.linear_1, false",
            "time_text_embed.guidance_embedder.linear_2, false",
            "time_text_embed.text_embedder.linear_1, false",
    })
    void flux(String path, boolean w4a4) {
        assertEquals(w4a4, FluxQuantizeRule.INSTANCE.quantize("transformer", path));
        assertEquals(false, FluxQuantizeRule.INSTANCE.quantize("text_encoder", path));
    }

    @ParameterizedTest
    @CsvSource({
            "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q, true",
            "down_blocks.2.attentions.1.transformer_blocks.9.attn2.to_k, true",
            "mid_block.attentions.0.transformer_blocks.0.attn2.to_v, true",
            "up_blocks.0.attentions.2.transformer_blocks.3.attn1.to_out.0, true",
            "up_blocks.0.attentions.2.transformer_blocks.3.ff.net.0.proj, true",
            "up_blocks.0.attentions.2.transformer_blocks.3.ff.net.2, true",
            "down_blocks.1.attentions.0.proj_in, false",
            "down_blocks.1.attentions.0.proj_out, false",
            "down_blocks.0.resnets.0.time_emb_proj, false",
            "time_embedding.linear_1, false",
            "add_embedding.linear_2, false",
            "down_blocks.1.attentions.0.transformer_blocks.0.norm1, false",
    })
    void sdxl(String path, boolean w4a4) {
        assertEquals(w4a4, SdxlQuantizeRule.INSTANCE.quantize("unet", path));
    }
}
