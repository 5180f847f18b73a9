package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class DiffusersConfigTest {
    @TempDir
    Path dir;

    private static void assertConfigError(Executable call, String... fragments) {
        ConfigException e = assertThrows(ConfigException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "lacks '" + f + "': " + e.getMessage());
        }
    }

    @Test
    void fluxTransformerConfig() {
        Path p = Golden.path("models/flux_dev/transformer/config.json");
        DiffusersConfig c = DiffusersConfig.read(p);
        assertEquals(p, c.path());
        assertEquals(2, c.getInt("num_layers"));
        assertEquals(2, c.getInt("num_single_layers"));
        assertArrayEquals(new int[] {4, 6, 6}, c.getIntArray("axes_dims_rope"));
        assertTrue(c.getBoolean("guidance_embeds"));
        assertEquals("FluxTransformer2DModel", c.getString("_class_name"));
        assertEquals(16.0, c.getDouble("attention_head_dim"), "integers read as doubles");
        assertEquals(7, c.getInt("no_such_key", 7));
        assertFalse(c.has("no_such_key"));
        assertTrue(c.keys().contains("patch_size"));

        assertConfigError(() -> c.getInt("no_such_key"), "config.json", "'no_such_key'", "missing");
        assertConfigError(() -> c.getInt("guidance_embeds"), "config.json", "'guidance_embeds'", "integer");
        assertConfigError(() -> c.getString("num_layers"), "'num_layers'", "string");
        assertConfigError(() -> c.getIntArray("num_layers"), "'num_layers'", "array");
        assertConfigError(() -> c.getBoolean("axes_dims_rope"), "'axes_dims_rope'", "boolean");
        assertConfigError(() -> c.getStringList("axes_dims_rope"), "'axes_dims_rope[0]'", "string");
    }

    @Test
    void sdxlUnetConfig() {
        DiffusersConfig c = DiffusersConfig.read(Golden.path("models/sdxl/unet/config.json"));
        assertEquals(List.of("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"), c.getStringList("down_block_types"));
        assertArrayEquals(new int[] {1, 1, 2}, c.getIntArrayBroadcast("transformer_layers_per_block", 3));
        assertArrayEquals(new int[] {2, 2, 2}, c.getIntArrayBroadcast("layers_per_block", 3));
        assertConfigError(() -> c.getIntArrayBroadcast("block_out_channels", 4), "'block_out_channels'", "expected 4");
        assertEquals(1e-5, c.getDouble("norm_eps"), 1e-12);
        assertEquals(1.0, c.getDouble("mid_block_scale_factor"));
        // null means "not set": defaults apply, required reads fail clearly.
        assertTrue(c.keys().contains("num_attention_heads"));
        assertFalse(c.has("num_attention_heads"));
        assertEquals(-1, c.getInt("num_attention_heads", -1));
        assertConfigError(() -> c.getInt("num_attention_heads"), "'num_attention_heads'", "null");
    }

    @Test
    void t5ConfigDoubles() {
        DiffusersConfig c = DiffusersConfig.read(Golden.path("models/flux_dev/text_encoder_2/config.json"));
        assertEquals(1e-6, c.getDouble("layer_norm_epsilon"), 1e-15);
        assertEquals("gated-gelu", c.getString("feed_forward_proj"));
        assertConfigError(() -> c.getInt("layer_norm_epsilon"), "'layer_norm_epsilon'", "integer");
    }

    @Test
    void unreadableConfigs() throws IOException {
        assertConfigError(() -> DiffusersConfig.read(dir.resolve("missing.json")), "missing.json");
        for (String bad : new String[] {"", "{", "[1]", "{\"a\":1,\"a\":2}", "{} {}"}) {
            Path p = dir.resolve("bad.json");
            Files.writeString(p, bad);
            assertConfigError(() -> DiffusersConfig.read(p), "bad.json");
        }
        Path p = dir.resolve("range.json");
        Files.writeString(p, "{\"big\": 3000000000, \"f\": 2.5}");
        DiffusersConfig c = DiffusersConfig.read(p);
        assertConfigError(() -> c.getInt("big"), "'big'", "32-bit");
        assertEquals(3_000_000_000L, c.getLong("big"));
        assertConfigError(() -> c.getInt("f"), "'f'");
    }

    @Test
    void modelIndexOfFlux() {
        Path root = Golden.path("models/flux_dev");
        ModelIndex idx = ModelIndex.read(root);
        assertEquals("FluxPipeline", idx.className());
        assertEquals(Optional.of("0.31.0"), idx.diffusersVersion());
        assertEquals(List.of("scheduler", "text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "transformer", "vae"),
                List.copyOf(idx.components().keySet()));
        assertEquals(new ModelIndex.Component("transformer", "diffusers", "FluxTransformer2DModel"), idx.component("transformer"));
        assertEquals("transformers", idx.component("text_encoder_2").library());
        assertEquals(root.resolve("transformer"), idx.componentDir("transformer"));
        assertConfigError(() -> idx.componentDir("unet"), "model_index.json", "'unet'");
    }

    @Test
    void modelIndexOfSdxlSkipsAbsentComponents() {
        ModelIndex idx = ModelIndex.read(Golden.path("models/sdxl/model_index.json"));
        assertEquals("StableDiffusionXLPipeline", idx.className());
        assertFalse(idx.hasComponent("image_encoder"), "[null, null] means absent");
        assertFalse(idx.hasComponent("force_zeros_for_empty_prompt"), "options are not components");
        assertTrue(idx.config().getBoolean("force_zeros_for_empty_prompt"));
        assertEquals("UNet2DConditionModel", idx.component("unet").className());
        assertTrue(Files.isDirectory(idx.componentDir("unet")));
    }

    @Test
    void malformedModelIndex() throws IOException {
        Path p = dir.resolve("model_index.json");
        Files.writeString(p, "{\"_class_name\": \"P\", \"vae\": [\"diffusers\"]}");
        assertConfigError(() -> ModelIndex.read(dir), "model_index.json", "'vae'");
        Files.writeString(p, "{\"_class_name\": \"P\", \"vae\": [\"diffusers\", 3]}");
        assertConfigError(() -> ModelIndex.read(dir), "'vae'");
        Files.writeString(p, "{\"vae\": [\"diffusers\", \"AutoencoderKL\"]}");
        assertConfigError(() -> ModelIndex.read(dir), "'_class_name'");
        Files.writeString(p, "{\"_class_name\": \"P\", \"vae\": [\"diffusers\", \"AutoencoderKL\"]}");
        ModelIndex idx = ModelIndex.read(p);
        assertTrue(idx.diffusersVersion().isEmpty());
        assertConfigError(() -> idx.componentDir("vae"), "'vae'", "missing");
    }
}
