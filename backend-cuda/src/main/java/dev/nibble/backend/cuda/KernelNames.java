package dev.nibble.backend.cuda;

import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Cast;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.Upsample2x;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which kernel symbols of the fatbin each op of the catalogue launches. The op implementations look
 * kernels up by these constants, and a host test checks that every op has an entry and that every
 * symbol is in every cubin of the built fatbin.
 */
final class KernelNames {
    static final String LINEAR_F32 = "nb_linear_f32";
    static final String LINEAR_F16 = "nb_linear_f16";
    static final String LINEAR_BF16 = "nb_linear_bf16";
    static final String CONV_F32 = "nb_conv2d_f32";
    static final String CONV_F16 = "nb_conv2d_f16";
    static final String CONV_BF16 = "nb_conv2d_bf16";
    static final String SVDQ_QUANTIZE = "nb_svdq_quantize";
    static final String SVDQ_PREP = "nb_svdq_prep";
    static final String SVDQ_GEMM_SIMPLE = "nb_svdq_gemm_simple";
    static final String SVDQ_GEMM_S4 = "nb_svdq_gemm_s4";
    static final String SVDQ_GEMM_S8 = "nb_svdq_gemm_s8";
    static final String GROUP_NORM_STATS = "nb_group_norm_stats";
    static final String GROUP_NORM_APPLY = "nb_group_norm_apply";
    static final String LAYER_NORM = "nb_layer_norm";
    static final String RMS_NORM = "nb_rms_norm";
    static final String ATTENTION_64 = "nb_attention_64";
    static final String ATTENTION_128 = "nb_attention_128";
    static final String ATTENTION_256 = "nb_attention_256";
    static final String ROPE = "nb_rope";
    static final String UNARY = "nb_unary";
    static final String BINARY = "nb_binary";
    static final String AFFINE = "nb_affine";
    static final String CLAMP = "nb_clamp";
    static final String MODULATE = "nb_modulate";
    static final String GEGLU = "nb_geglu";
    static final String SOFTMAX = "nb_softmax";
    static final String REDUCE = "nb_reduce";
    static final String COPY_BYTES = "nb_copy_bytes";
    static final String COPY_ROWS = "nb_copy_rows";
    static final String PERMUTE = "nb_permute";
    static final String PAD = "nb_pad";
    static final String UPSAMPLE2X = "nb_upsample2x";
    static final String POOL2D = "nb_pool2d";
    static final String CAST = "nb_cast";
    static final String EMBEDDING = "nb_embedding";
    static final String TIMESTEP = "nb_timestep_embedding";

    /** Op class → the kernels it may launch. */
    static final Map<Class<? extends Op>, List<String>> BY_OP = table();

    private KernelNames() {
    }

    private static Map<Class<? extends Op>, List<String>> table() {
        Map<Class<? extends Op>, List<String>> m = new LinkedHashMap<>();
        m.put(Linear.class, List.of(LINEAR_F32, LINEAR_F16, LINEAR_BF16));
        m.put(SvdqLinear.class, List.of(SVDQ_QUANTIZE, SVDQ_PREP, SVDQ_GEMM_SIMPLE, SVDQ_GEMM_S4, SVDQ_GEMM_S8));
        m.put(Conv2d.class, List.of(CONV_F32, CONV_F16, CONV_BF16));
        m.put(GroupNorm.class, List.of(GROUP_NORM_STATS, GROUP_NORM_APPLY));
        m.put(LayerNorm.class, List.of(LAYER_NORM));
        m.put(RmsNorm.class, List.of(RMS_NORM));
        m.put(Attention.class, List.of(ATTENTION_64, ATTENTION_128, ATTENTION_256));
        m.put(Rope.class, List.of(ROPE));
        m.put(Unary.class, List.of(UNARY));
        m.put(Binary.class, List.of(BINARY));
        m.put(Geglu.class, List.of(GEGLU));
        m.put(Softmax.class, List.of(SOFTMAX));
        m.put(Modulate.class, List.of(MODULATE));
        m.put(Concat.class, List.of(COPY_ROWS));
        m.put(Slice.class, List.of(COPY_ROWS));
        m.put(Reshape.class, List.of(COPY_BYTES));
        m.put(Permute.class, List.of(PERMUTE));
        m.put(Upsample2x.class, List.of(UPSAMPLE2X));
        m.put(Pool2d.class, List.of(POOL2D));
        m.put(Pad.class, List.of(PAD));
        m.put(Embedding.class, List.of(EMBEDDING));
        m.put(TimestepEmbedding.class, List.of(TIMESTEP));
        m.put(Reduce.class, List.of(REDUCE));
        m.put(Clamp.class, List.of(CLAMP));
        m.put(Affine.class, List.of(AFFINE));
        m.put(Cast.class, List.of(CAST));
        m.put(Copy.class, List.of(COPY_BYTES));
        return Map.copyOf(m);
    }

    /** Every symbol the backend launches. */
    static Set<String> all() {
        Set<String> s = new TreeSet<>();
        BY_OP.values().forEach(s::addAll);
        return s;
    }
}
