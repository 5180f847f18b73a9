package dev.nibble.quantizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The on-disk SVDQ format of DESIGN.md §3: tensor name suffixes and the file metadata keys. A quantised
 * linear layer at module path P is stored as {@code P.qweight} (I8 [N, Kp/2], two's-complement int4
 * pairs, low nibble = even k), {@code P.wscales} [Kp/G, N], {@code P.smooth_factor} [K],
 * {@code P.proj_down} [K, r], {@code P.proj_up} [N, r] and optionally {@code P.bias} [N]; the float
 * tensors are F32 unless BF16/F16 is asked for.
 */
public final class SvdqFormat {
    private SvdqFormat() {
    }

    public static final String QWEIGHT = "qweight";
    public static final String WSCALES = "wscales";
    public static final String SMOOTH_FACTOR = "smooth_factor";
    public static final String PROJ_DOWN = "proj_down";
    public static final String PROJ_UP = "proj_up";
    public static final String BIAS = "bias";
    public static final String WEIGHT = "weight";

    public static final String KEY_FORMAT = "nibble.format";
    public static final String FORMAT = "svdq-int4";
    public static final String KEY_VERSION = "nibble.version";
    public static final String VERSION = "1";
    public static final String KEY_GROUP_SIZE = "group_size";
    public static final String KEY_RANK = "rank";
    /** How the activations were calibrated ("weight-only (unit activation statistics)", prompt file, ...). */
    public static final String KEY_CALIBRATION = "nibble.calibration";

    public static final int DEFAULT_GROUP_SIZE = 64;
    public static final int DEFAULT_RANK = 32;

    /** K rounded up to a whole number of groups. */
    public static int paddedK(int k, int groupSize) {
        return (k + groupSize - 1) / groupSize * groupSize;
    }

    /** The five tensor names (bias aside) of the layer at module path {@code p}. */
    public static String[] tensorNames(String p) {
        return new String[]{p + "." + QWEIGHT, p + "." + WSCALES, p + "." + SMOOTH_FACTOR, p + "." + PROJ_DOWN,
                p + "." + PROJ_UP};
    }

    /** The metadata a quantised file carries. */
    public static Map<String, String> metadata(int groupSize, int rank) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_FORMAT, FORMAT);
        m.put(KEY_VERSION, VERSION);
        m.put(KEY_GROUP_SIZE, Integer.toString(groupSize));
        m.put(KEY_RANK, Integer.toString(rank));
        return m;
    }

    /** Whether a file's metadata says it is in this format. */
    public static boolean isSvdq(Map<String, String> metadata) {
        return FORMAT.equals(metadata.get(KEY_FORMAT));
    }
}
