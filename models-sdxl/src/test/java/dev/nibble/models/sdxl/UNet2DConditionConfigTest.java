package dev.nibble.models.sdxl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How config.json resolves into per-block settings, as diffusers 0.31's __init__ resolves it. */
class UNet2DConditionConfigTest {
    private static UNet2DConditionConfig parse(String json) throws Exception {
        return UNet2DConditionConfig.from(DiffusersConfig.of(Path.of("config.json"), new ObjectMapper().readTree(json)));
    }

    /** The published SDXL base layout: heads per level in attention_head_dim, depths [1, 2, 10]. */
    @Test
    void sdxlBase() throws Exception {
        UNet2DConditionConfig c = parse("""
                {"addition_embed_type": "text_time", "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
                 "block_out_channels": [320, 640, 1280], "cross_attention_dim": 2048,
                 "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
                 "num_attention_heads": null, "norm_num_groups": 32, "projection_class_embeddings_input_dim": 2816,
                 "sample_size": 128, "transformer_layers_per_block": [1, 2, 10], "upcast_attention": null,
                 "use_linear_projection": true}""");
        assertEquals(1280, c.timeEmbedDim());
        assertEquals(4, c.downscale());
        assertFalse(c.downBlocks().get(0).hasCrossAttention());
        assertArrayEquals(new int[] {2, 2}, c.downBlocks().get(1).transformerLayers());
        assertEquals(10, c.downBlocks().get(1).heads());
        assertArrayEquals(new int[] {10, 10}, c.downBlocks().get(2).transformerLayers());
        assertFalse(c.downBlocks().get(2).addDownsample());
        assertEquals(new UNet2DConditionConfig.MidBlock(1280, 10, 20, 1f), c.midBlock());
        UNet2DConditionConfig.UpBlock up0 = c.upBlocks().get(0);
        assertEquals(1280, up0.outChannels());
        assertEquals(3, up0.numLayers());
        assertEquals(20, up0.heads());
        assertArrayEquals(new int[] {10, 10, 10}, up0.transformerLayers());
        assertTrue(up0.addUpsample());
        assertArrayEquals(new int[] {2, 2, 2}, c.upBlocks().get(1).transformerLayers());
        assertEquals(5, c.upBlocks().get(2).heads());
        assertFalse(c.upBlocks().get(2).addUpsample());
        assertTrue(c.textTimeEmbedding());
    }

    /** SD 1.5: one head count for all levels, conv projections, no added conditioning, defaults elsewhere. */
    @Test
    void sd15Defaults() throws Exception {
        UNet2DConditionConfig c = parse("""
                {"attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "cross_attention_dim": 768}""");
        assertEquals(4, c.downBlocks().size());
        assertTrue(c.downBlocks().get(0).hasCrossAttention());
        assertFalse(c.downBlocks().get(3).hasCrossAttention());
        assertFalse(c.upBlocks().get(0).hasCrossAttention());
        assertArrayEquals(new int[] {1, 1, 1}, c.upBlocks().get(3).transformerLayers());
        assertEquals(8, c.midBlock().heads());
        assertFalse(c.useLinearProjection());
        assertFalse(c.textTimeEmbedding());
        assertEquals(32, c.normNumGroups());
    }

    @Test
    void asymmetricDepthsNeedTheReverseList() throws Exception {
        String base = """
                {"attention_head_dim": 2, "block_out_channels": [32, 64], "norm_num_groups": 8, "layers_per_block": 2,
                 "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
                 "transformer_layers_per_block": [[1, 2], [3, 4]]%s}""";
        assertThrows(ConfigException.class, () -> parse(String.format(base, "")));
        UNet2DConditionConfig c = parse(String.format(base,
                ", \"reverse_transformer_layers_per_block\": [[5, 6, 7], 2]"));
        assertArrayEquals(new int[] {1, 2}, c.downBlocks().get(0).transformerLayers());
        assertArrayEquals(new int[] {5, 6, 7}, c.upBlocks().get(0).transformerLayers());
        assertArrayEquals(new int[] {2, 2, 2}, c.upBlocks().get(1).transformerLayers());
        assertEquals(3, c.midBlock().transformerLayers());
    }

    @Test
    void numAttentionHeadsIsRejectedAsDiffusersDoes() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("{\"num_attention_heads\": 8}"));
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
    }

    @Test
    void mismatchedListLengthsAreRejected() {
        assertThrows(ConfigException.class, () -> parse("""
                {"block_out_channels": [32, 64], "down_block_types": ["DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "UpBlock2D"], "norm_num_groups": 8}"""));
        assertThrows(ConfigException.class, () -> parse("""
                {"block_out_channels": [32, 64], "attention_head_dim": [2, 2, 2], "norm_num_groups": 8,
                 "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"]}"""));
    }
}
