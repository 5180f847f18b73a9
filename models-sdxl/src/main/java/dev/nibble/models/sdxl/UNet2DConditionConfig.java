package dev.nibble.models.sdxl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.models.common.nn.Activations;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * diffusers 0.31 UNet2DConditionModel's config.json, resolved into per-block settings the way the
 * library's {@code __init__} resolves them (int-or-list options broadcast, up path reversed, heads taken
 * from {@code attention_head_dim}). Absent keys take the class defaults. Options this implementation does
 * not compute (class embeddings, encoder_hid_proj, scale-shift time norm, dual or cross-only attention,
 * ...) are rejected when loading rather than silently ignored.
 */
public record UNet2DConditionConfig(
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        float freqShift,
        int[] blockOutChannels,
        List<DownBlock> downBlocks,
        MidBlock midBlock,
        List<UpBlock> upBlocks,
        UnaryFn activation,
        int normNumGroups,
        float normEps,
        boolean useLinearProjection,
        int timeEmbedDim,
        boolean textTimeEmbedding,
        int additionTimeEmbedDim,
        int projectionClassEmbeddingsInputDim,
        int crossAttentionDim,
        int convInKernel,
        int convOutKernel,
        int downsamplePadding,
        int sampleSize) {

    /**
     * One entry of down_blocks. {@code transformerLayers[j]} is the depth of attentions.j (empty for
     * DownBlock2D); heads is num_attention_heads of the level (head dim = outChannels / heads).
     */
    public record DownBlock(String type, int outChannels, int numLayers, int[] transformerLayers, int heads,
                            boolean addDownsample) {
        public boolean hasCrossAttention() {
            return type.equals(CROSS_ATTN_DOWN);
        }
    }

    /** The mid block: UNetMidBlock2DCrossAttn (resnet, attention, resnet). */
    public record MidBlock(int channels, int transformerLayers, int heads, float outputScaleFactor) {}

    /** One entry of up_blocks: num_layers = layers_per_block (reversed) + 1 resnets, each eating one skip. */
    public record UpBlock(String type, int outChannels, int numLayers, int[] transformerLayers, int heads,
                          boolean addUpsample) {
        public boolean hasCrossAttention() {
            return type.equals(CROSS_ATTN_UP);
        }
    }

    static final String DOWN = "DownBlock2D";
    static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    static final String UP = "UpBlock2D";
    static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

    public UNet2DConditionConfig {
        blockOutChannels = blockOutChannels.clone();
        downBlocks = List.copyOf(downBlocks);
        upBlocks = List.copyOf(upBlocks);
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    /** Reads {@code config.json} in a unet folder (or the file itself). */
    public static UNet2DConditionConfig read(Path fileOrDir) {
        Path file = fileOrDir.toFile().isDirectory() ? fileOrDir.resolve("config.json") : fileOrDir;
        return from(DiffusersConfig.read(file));
    }

    public static UNet2DConditionConfig from(DiffusersConfig c) {
        rejectUnsupported(c);
        List<String> downTypes = c.getStringList("down_block_types",
                List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN));
        List<String> upTypes = c.getStringList("up_block_types", List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP));
        int[] channels = c.getIntArray("block_out_channels", new int[] {320, 640, 1280, 1280});
        int n = channels.length;
        if (n == 0 || downTypes.size() != n || upTypes.size() != n) {
            throw new ConfigException(c.path() + ": down_block_types " + downTypes + ", up_block_types " + upTypes
                    + " and block_out_channels " + Arrays.toString(channels) + " must have the same, non-zero length");
        }
        for (String t : downTypes) {
            if (!t.equals(DOWN) && !t.equals(CROSS_ATTN_DOWN)) {
                throw unsupported(c, "down block type '" + t + "' (DownBlock2D and CrossAttnDownBlock2D only)");
            }
        }
        for (String t : upTypes) {
            if (!t.equals(UP) && !t.equals(CROSS_ATTN_UP)) {
                throw unsupported(c, "up block type '" + t + "' (UpBlock2D and CrossAttnUpBlock2D only)");
            }
        }
        int[] layersPerBlock = intOrList(c, "layers_per_block", 2, n);
        // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (the historical naming
        // issue: published SD/SDXL configs store the head count in attention_head_dim).
        int[] heads = intOrList(c, "attention_head_dim", 8, n);
        int[] crossDims = intOrList(c, "cross_attention_dim", 1280, n);
        for (int d : crossDims) {
            if (d != crossDims[0]) {
                // one encoder_hidden_states tensor feeds every attn2, so differing widths cannot all match it
                throw unsupported(c, "cross_attention_dim differing per block " + Arrays.toString(crossDims));
            }
        }
        int[][] downDepth = downTransformerLayers(c, layersPerBlock, n);
        int[][] upDepth = upTransformerLayers(c, layersPerBlock, n);

        List<DownBlock> down = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean attn = downTypes.get(i).equals(CROSS_ATTN_DOWN);
            checkHeads(c, channels[i], heads[i], attn, "down_blocks." + i);
            down.add(new DownBlock(downTypes.get(i), channels[i], layersPerBlock[i], attn ? downDepth[i] : new int[0],
                    heads[i], i < n - 1));
        }
        List<UpBlock> up = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int level = n - 1 - i;
            boolean attn = upTypes.get(i).equals(CROSS_ATTN_UP);
            checkHeads(c, channels[level], heads[level], attn, "up_blocks." + i);
            up.add(new UpBlock(upTypes.get(i), channels[level], layersPerBlock[level] + 1, attn ? upDepth[i] : new int[0],
                    heads[level], i < n - 1));
        }
        String midType = c.getString("mid_block_type", MID_CROSS_ATTN);
        if (!midType.equals(MID_CROSS_ATTN)) {
            throw unsupported(c, "mid_block_type '" + midType + "' (UNetMidBlock2DCrossAttn only)");
        }
        checkHeads(c, channels[n - 1], heads[n - 1], true, "mid_block");
        MidBlock mid = new MidBlock(channels[n - 1], midTransformerLayers(c, n), heads[n - 1],
                (float) c.getDouble("mid_block_scale_factor", 1.0));

        String act = c.getString("act_fn", "silu");
        String addType = c.getString("addition_embed_type", null);
        boolean textTime = addType != null;
        if (textTime && !addType.equals("text_time")) {
            throw unsupported(c, "addition_embed_type '" + addType + "' (text_time or none only)");
        }
        int addDim = textTime ? c.getInt("addition_time_embed_dim") : 0;
        int projDim = textTime ? c.getInt("projection_class_embeddings_input_dim") : 0;
        int groups = c.getInt("norm_num_groups", 32);
        for (int ch : channels) {
            if (groups <= 0 || ch % groups != 0) {
                throw new ConfigException(c.path() + ": block_out_channels " + Arrays.toString(channels)
                        + " are not all divisible by norm_num_groups " + groups);
            }
        }
        int convIn = c.getInt("conv_in_kernel", 3);
        int convOut = c.getInt("conv_out_kernel", 3);
        if (convIn % 2 == 0 || convOut % 2 == 0) {
            throw new ConfigException(c.path() + ": conv_in_kernel and conv_out_kernel must be odd, got " + convIn
                    + " and " + convOut);
        }
        return new UNet2DConditionConfig(
                c.getInt("in_channels", 4),
                c.getInt("out_channels", 4),
                c.getBoolean("center_input_sample", false),
                c.getBoolean("flip_sin_to_cos", true),
                (float) c.getDouble("freq_shift", 0),
                channels, down, mid, up,
                Activations.byName(act, c.path() + " key 'act_fn'"),
                groups,
                (float) c.getDouble("norm_eps", 1e-5),
                c.getBoolean("use_linear_projection", false),
                c.getInt("time_embedding_dim", channels[0] * 4),
                textTime, addDim, projDim,
                crossDims[0],
                convIn, convOut,
                c.getInt("downsample_padding", 1),
                c.getInt("sample_size", 0));
    }

    /** Total downsampling factor of the U-Net: 2^(number of downsamplers). */
    public int downscale() {
        int f = 1;
        for (DownBlock d : downBlocks) {
            f *= d.addDownsample() ? 2 : 1;
        }
        return f;
    }

    private static void rejectUnsupported(DiffusersConfig c) {
        if (c.has("num_attention_heads")) {
            // diffusers 0.31 raises here too (the naming issue #2011); heads come from attention_head_dim.
            throw unsupported(c, "num_attention_heads (diffusers 0.31 rejects it; set attention_head_dim)");
        }
        for (String key : List.of("class_embed_type", "num_class_embeds", "encoder_hid_dim_type", "encoder_hid_dim",
                "time_cond_proj_dim", "timestep_post_act", "time_embedding_act_fn", "cross_attention_norm")) {
            if (c.has(key)) {
                throw unsupported(c, key + "=" + c.raw().get(key));
            }
        }
        expectString(c, "time_embedding_type", "positional");
        expectString(c, "resnet_time_scale_shift", "default");
        expectString(c, "attention_type", "default");
        if (c.getBoolean("dual_cross_attention", false)) {
            throw unsupported(c, "dual_cross_attention=true");
        }
        JsonNode only = c.raw().get("only_cross_attention");
        if (only != null && (only.asBoolean(false) || (only.isArray() && anyTrue(only)))) {
            throw unsupported(c, "only_cross_attention=" + only);
        }
    }

    private static boolean anyTrue(JsonNode array) {
        for (JsonNode e : array) {
            if (e.asBoolean(false)) {
                return true;
            }
        }
        return false;
    }

    private static void expectString(DiffusersConfig c, String key, String only) {
        String v = c.getString(key, only);
        if (!v.equals(only)) {
            throw unsupported(c, key + "='" + v + "' (only '" + only + "')");
        }
    }

    private static ConfigException unsupported(DiffusersConfig c, String what) {
        return new ConfigException(c.path() + ": UNet2DConditionModel option not supported: " + what);
    }

    private static void checkHeads(DiffusersConfig c, int channels, int heads, boolean attention, String where) {
        if (attention && (heads <= 0 || channels % heads != 0)) {
            throw new ConfigException(c.path() + ": " + where + " has " + channels + " channels, which do not split into "
                    + heads + " attention heads (attention_head_dim)");
        }
    }

    private static int[] intOrList(DiffusersConfig c, String key, int dflt, int n) {
        if (!c.has(key)) {
            int[] out = new int[n];
            Arrays.fill(out, dflt);
            return out;
        }
        return c.getIntArrayBroadcast(key, n);
    }

    /** transformer_layers_per_block: int, or one entry per level that is an int or a per-layer list. */
    private static int[][] downTransformerLayers(DiffusersConfig c, int[] layersPerBlock, int n) {
        String key = "transformer_layers_per_block";
        JsonNode v = c.raw().get(key);
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            JsonNode e = v == null || v.isNull() ? null : v.isArray() ? v.get(i) : v;
            if (v != null && v.isArray() && v.size() != n) {
                throw new ConfigException(c.path() + ": key '" + key + "' has " + v.size() + " entries, expected " + n);
            }
            out[i] = perLayer(c, key + "[" + i + "]", e, layersPerBlock[i]);
        }
        return out;
    }

    /**
     * The up path's depths: reverse_transformer_layers_per_block when given, else transformer_layers_per_block
     * reversed (diffusers requires the former when the latter holds per-layer lists).
     */
    private static int[][] upTransformerLayers(DiffusersConfig c, int[] layersPerBlock, int n) {
        JsonNode reverse = c.raw().get("reverse_transformer_layers_per_block");
        JsonNode forward = c.raw().get("transformer_layers_per_block");
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            int layers = layersPerBlock[n - 1 - i] + 1;
            if (reverse != null && !reverse.isNull()) {
                if (!reverse.isArray() || reverse.size() != n) {
                    throw new ConfigException(c.path() + ": reverse_transformer_layers_per_block must have " + n + " entries");
                }
                out[i] = perLayer(c, "reverse_transformer_layers_per_block[" + i + "]", reverse.get(i), layers);
            } else {
                JsonNode e = forward == null || forward.isNull() ? null : forward.isArray() ? forward.get(n - 1 - i) : forward;
                if (e != null && e.isArray()) {
                    throw new ConfigException(c.path() + ": per-layer transformer_layers_per_block needs "
                            + "reverse_transformer_layers_per_block (as diffusers requires)");
                }
                out[i] = perLayer(c, "transformer_layers_per_block", e, layers);
            }
        }
        return out;
    }

    /** UNetMidBlock2DCrossAttn gets transformer_layers_per_block[-1] (its first entry when a list). */
    private static int midTransformerLayers(DiffusersConfig c, int n) {
        JsonNode v = c.raw().get("transformer_layers_per_block");
        JsonNode e = v == null || v.isNull() ? null : v.isArray() ? v.get(n - 1) : v;
        return perLayer(c, "transformer_layers_per_block[-1]", e, 1)[0];
    }

    private static int[] perLayer(DiffusersConfig c, String key, JsonNode e, int layers) {
        int[] out = new int[layers];
        if (e == null || e.isNull()) {
            Arrays.fill(out, 1);
        } else if (e.isIntegralNumber()) {
            Arrays.fill(out, e.intValue());
        } else if (e.isArray() && e.size() >= layers) {
            for (int j = 0; j < layers; j++) {
                if (!e.get(j).isIntegralNumber()) {
                    throw new ConfigException(c.path() + ": key '" + key + "' must hold integers, got " + e);
                }
                out[j] = e.get(j).intValue();
            }
        } else {
            throw new ConfigException(c.path() + ": key '" + key + "' should be an integer or a list of " + layers
                    + " integers, got " + e);
        }
        for (int d : out) {
            if (d < 1) {
                throw new ConfigException(c.path() + ": key '" + key + "' must be positive, got " + e);
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNet2DConditionConfig u && toString().equals(u.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UNet2DConditionConfig[in=").append(inChannels).append(", out=")
                .append(outChannels).append(", channels=").append(Arrays.toString(blockOutChannels)).append(", down=");
        for (DownBlock d : downBlocks) {
            sb.append(String.format(Locale.ROOT, "%s(%d,%d,%s,h%d)", d.type(), d.outChannels(), d.numLayers(),
                    Arrays.toString(d.transformerLayers()), d.heads()));
        }
        sb.append(", mid=").append(midBlock).append(", up=");
        for (UpBlock u : upBlocks) {
            sb.append(String.format(Locale.ROOT, "%s(%d,%d,%s,h%d)", u.type(), u.outChannels(), u.numLayers(),
                    Arrays.toString(u.transformerLayers()), u.heads()));
        }
        return sb.append(", act=").append(activation).append(", groups=").append(normNumGroups).append(", eps=")
                .append(normEps).append(", linearProj=").append(useLinearProjection).append(", temb=").append(timeEmbedDim)
                .append(", textTime=").append(textTimeEmbedding).append('/').append(additionTimeEmbedDim).append('/')
                .append(projectionClassEmbeddingsInputDim).append(", cross=").append(crossAttentionDim).append(']')
                .toString();
    }
}
