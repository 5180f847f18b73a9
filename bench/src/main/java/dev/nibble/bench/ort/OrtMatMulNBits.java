package dev.nibble.bench.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ONNX Runtime baseline for the 4-bit linear layer: a one-node model {@code Y = MatMulNBits(A, B, scales)}
 * (domain {@code com.microsoft}, bits 4, block 64, no zero points so the stored nibbles are symmetric
 * around 8), written as ONNX protobuf bytes by a small hand encoder and run through the Java API.
 *
 * <p>Weight layout ORT expects: {@code B} uint8 [N, K/64, 32]; within one block of row n, byte j holds
 * element 2j of the block in its low nibble and 2j+1 in its high nibble; {@code scales} f32 [N, K/64];
 * dequantised weight {@code W[n][k] = (q - 8) * scales[n][k/64]}.
 */
public final class OrtMatMulNBits implements AutoCloseable {
    public static final int BLOCK = 64;
    private static final int BLOB = BLOCK / 2;

    final int m, k, n;
    /** [N, K/64, 32] packed nibbles. */
    final byte[] b;
    /** [N, K/64]. */
    final float[] scales;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final OnnxTensor a;
    private final OnnxTensor y;
    private final FloatBuffer yBuf;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;

    /**
     * Random weight quantised to ORT's layout (uniform in [-1, 1), per-block absmax / 7 scale), session
     * with {@code threads} intra-op threads. {@code aData} is used in place when it is a direct buffer.
     */
    public OrtMatMulNBits(FloatBuffer aData, int m, int k, int n, long seed, int accuracyLevel, int threads)
            throws OrtException {
        if (k % BLOCK != 0) {
            throw new IllegalArgumentException("K must be a multiple of " + BLOCK + ", got " + k);
        }
        this.m = m;
        this.k = k;
        this.n = n;
        int blocks = k / BLOCK;
        this.b = new byte[n * blocks * BLOB];
        this.scales = new float[n * blocks];
        quantiseRandom(seed, n, k, b, scales);
        byte[] model = model(k, n, accuracyLevel, b, scales);
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            // Interleaved with other kernels on few cores: do not leave spinning workers behind a run.
            so.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session = env.createSession(model, so);
        }
        this.a = OnnxTensor.createTensor(env, aData, new long[] {m, k});
        this.yBuf = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(m, n), 4))
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.y = OnnxTensor.createTensor(env, yBuf, new long[] {m, n});
        this.inputs = Map.of("A", a);
        this.outputs = Map.of("Y", y);
    }

    /** One inference into the pinned output (no per-run allocation of Y). */
    public void run() throws OrtException {
        session.run(inputs, outputs).close();
    }

    /** Output buffer [M, N] row-major, valid after {@link #run()}. */
    public FloatBuffer output() {
        return yBuf.duplicate();
    }

    /** Dequantised weight element W[row][col]. */
    public float weight(int row, int col) {
        int blocks = k / BLOCK;
        int blk = col / BLOCK, e = col % BLOCK;
        int byt = b[(row * blocks + blk) * BLOB + e / 2] & 0xFF;
        int q = (e & 1) == 0 ? byt & 0x0F : byt >>> 4;
        return (q - 8) * scales[row * blocks + blk];
    }

    /** Symmetric 4-bit block quantisation of a uniform [-1, 1) weight, written in ORT's packing. */
    static void quantiseRandom(long seed, int n, int k, byte[] b, float[] scales) {
        SplittableRandom r = new SplittableRandom(seed);
        int blocks = k / BLOCK;
        float[] w = new float[BLOCK];
        for (int row = 0; row < n; row++) {
            for (int blk = 0; blk < blocks; blk++) {
                float amax = 0;
                for (int e = 0; e < BLOCK; e++) {
                    w[e] = (float) (2 * r.nextDouble() - 1);
                    amax = Math.max(amax, Math.abs(w[e]));
                }
                float s = amax / 7f;
                float inv = s == 0 ? 0 : 1 / s;
                scales[row * blocks + blk] = s;
                int base = (row * blocks + blk) * BLOB;
                for (int j = 0; j < BLOB; j++) {
                    int lo = Math.clamp(Math.round(w[2 * j] * inv), -8, 7) + 8;
                    int hi = Math.clamp(Math.round(w[2 * j + 1] * inv), -8, 7) + 8;
                    b[base + j] = (byte) (lo | hi << 4);
                }
            }
        }
    }

    // ---------------------------------------------------------------- ONNX protobuf, by hand

    /** ModelProto bytes for {@code Y[M?,N] = MatMulNBits(A[M?,K], B, scales)}; M is a symbolic dim. */
    static byte[] model(int k, int n, int accuracyLevel, byte[] b, float[] scales) {
        int blocks = k / BLOCK;
        Pb node = new Pb()
                .str(1, "A").str(1, "B").str(1, "scales")
                .str(2, "Y")
                .str(3, "mmnb")
                .str(4, "MatMulNBits")
                .msg(5, intAttr("K", k))
                .msg(5, intAttr("N", n))
                .msg(5, intAttr("bits", 4))
                .msg(5, intAttr("block_size", BLOCK))
                .msg(5, intAttr("accuracy_level", accuracyLevel))
                .str(7, "com.microsoft");
        ByteBuffer sb = ByteBuffer.allocate(scales.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        sb.asFloatBuffer().put(scales);
        Pb graph = new Pb()
                .msg(1, node)
                .str(2, "matmulnbits")
                .msg(5, tensor("B", 2 /* UINT8 */, b, n, blocks, BLOB))
                .msg(5, tensor("scales", 1 /* FLOAT */, sb.array(), n, blocks))
                .msg(11, valueInfo("A", "M", k))
                .msg(12, valueInfo("Y", "M", n));
        Pb model = new Pb()
                .varint(1, 8) // ir_version
                .str(2, "nibble-bench")
                .msg(8, new Pb().str(1, "").varint(2, 17))
                .msg(8, new Pb().str(1, "com.microsoft").varint(2, 1))
                .msg(7, graph);
        return model.bytes();
    }

    private static Pb intAttr(String name, long v) {
        return new Pb().str(1, name).varint(3, v).varint(20, 2 /* AttributeType.INT */);
    }

    private static Pb tensor(String name, int dataType, byte[] raw, long... dims) {
        Pb t = new Pb();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, dataType).str(8, name).bytes(9, raw);
    }

    /** Float tensor value info with a symbolic first dim and a fixed second one. */
    private static Pb valueInfo(String name, String dim0, long dim1) {
        Pb shape = new Pb()
                .msg(1, new Pb().str(2, dim0))
                .msg(1, new Pb().varint(1, dim1));
        Pb tensorType = new Pb().varint(1, 1 /* FLOAT */).msg(2, shape);
        return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
    }

    /** Minimal protobuf writer: varint, length-delimited bytes / strings / sub-messages. */
    static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(int field, long v) {
            raw(field << 3);
            raw(v);
            return this;
        }

        Pb bytes(int field, byte[] v) {
            raw(field << 3 | 2);
            raw(v.length);
            out.writeBytes(v);
            return this;
        }

        Pb str(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Pb msg(int field, Pb m) {
            return bytes(field, m.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }

    @Override
    public void close() throws OrtException {
        a.close();
        y.close();
        session.close();
    }
}
