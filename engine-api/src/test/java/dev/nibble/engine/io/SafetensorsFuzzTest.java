package dev.nibble.engine.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of real golden files. For every mutant, opening it and reading every byte of every
 * tensor must either work or throw {@link SafetensorsException}; anything else (IndexOutOfBounds,
 * OutOfMemoryError, NegativeArraySize, a hang, a huge allocation) fails the test.
 */
class SafetensorsFuzzTest {
    private static final List<String> SOURCES = List.of(
            "cases/flux_text_encoder_2__single/inputs.safetensors",                     // one I64 tensor
            "cases/flux_text_encoder_2__batch2_with_attention_mask/inputs.safetensors", // two I64 tensors
            "cases/sdxl_unet__single/outputs_f64.safetensors",                          // F64
            "cases/flux_dev_transformer__single/inputs.safetensors",                    // seven F32 tensors
            "cases/scheduler_euler_sdxl/outputs.safetensors");                          // forty small F32 tensors
    private static final int ITERATIONS = 70; // per source and mutation: 5 x 10 x 70 = 3500 mutants
    private static final String[] DTYPES = {
        "F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "I4", "F8_E4M3", "f32", "", "\\u0000", "F32 "
    };
    private static final String[] NUMBERS = {
        "0", "1", "-1", "-0", "7", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "18446744073709551615", "99999999999999999999999999", "1e3", "1.5", "1E308", "-9223372036854775808"
    };

    enum Mutation { FLIP_ANY, FLIP_HEADER, TRUNCATE, LENGTH_FIELD, JSON_DIGIT, JSON_BRACKET, JSON_DUP_NAME, JSON_DTYPE, JSON_NUMBER, JSON_SPLICE }

    @TempDir
    Path dir;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void mutantsOpenOrFailCleanly() throws IOException {
        Map<Mutation, int[]> stats = new EnumMap<>(Mutation.class); // [accepted, rejected]
        for (int s = 0; s < SOURCES.size(); s++) {
            byte[] original = Files.readAllBytes(Golden.path(SOURCES.get(s)));
            for (Mutation m : Mutation.values()) {
                long seed = 0x5EED_0000L + 100L * s + m.ordinal();
                int[] counts = stats.computeIfAbsent(m, k -> new int[2]);
                String src = SOURCES.get(s);
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runBatch(src, original, m, seed, counts),
                        () -> "hang in " + m + " of " + src + " (seed " + seed + ")");
            }
        }
        for (var e : stats.entrySet()) {
            int[] c = e.getValue();
            assertTrue(c[1] > 0, e.getKey() + " never produced a rejected file: the mutation is toothless");
        }
        int accepted = stats.values().stream().mapToInt(c -> c[0]).sum();
        assertTrue(accepted > 0, "no mutant was accepted: the reader rejects too much (or mutations are all fatal)");
    }

    private void runBatch(String source, byte[] original, Mutation m, long seed, int[] counts) throws IOException {
        Random rnd = new Random(seed);
        Path file = dir.resolve("mutant.safetensors");
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] mutant = mutate(original, m, rnd);
            Files.write(file, mutant);
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                readEverything(file);
                counts[0]++;
            } catch (SafetensorsException e) {
                if (!e.getMessage().contains("mutant.safetensors")) {
                    throw new AssertionError("message does not name the file: " + e.getMessage(), e);
                }
                // The catch-all in open() must stay a safety net: a wrapped runtime error means a check is missing.
                for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                    if ((c instanceof RuntimeException && !(c instanceof SafetensorsException)) || c instanceof Error) {
                        throw new AssertionError(m + " of " + source + " (seed " + seed + ", iteration " + i
                                + ") was only caught by the safety net: " + c, e);
                    }
                }
                counts[1]++;
            } catch (Throwable t) {
                throw new AssertionError(m + " of " + source + " (seed " + seed + ", iteration " + i
                        + ") threw " + t.getClass().getName() + " instead of SafetensorsException; header: "
                        + headerPreview(mutant), t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            long bound = (32L << 20) + 64L * mutant.length;
            if (allocated > bound) {
                throw new AssertionError(m + " of " + source + " (seed " + seed + ", iteration " + i
                        + ") allocated " + allocated + " bytes reading a " + mutant.length + "-byte file");
            }
        }
    }

    /** Opens the file and touches every byte and every element, as a model loader would. */
    private static double readEverything(Path file) {
        double sum = 0;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            sum += f.metadata().size();
            for (String n : f.names()) {
                Tensor t = f.tensor(n);
                sum += f.spec(n).shape().rank();
                for (long b = 0; b < t.byteSize(); b++) {
                    sum += t.data().get(ValueLayout.JAVA_BYTE, b);
                }
                if (t.dtype() != DType.INT4) {
                    for (long e = 0; e < t.numel(); e++) {
                        sum += t.getFloat(e);
                    }
                }
            }
        }
        return sum;
    }

    private static byte[] mutate(byte[] original, Mutation m, Random rnd) {
        byte[] b = original.clone();
        int headerLen = (int) RawFile.lengthField(original);
        switch (m) {
            case FLIP_ANY -> flip(b, 0, b.length, rnd);
            case FLIP_HEADER -> flip(b, 8, 8 + headerLen, rnd);
            case TRUNCATE -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
            case LENGTH_FIELD -> {
                long v = switch (rnd.nextInt(6)) {
                    case 0 -> headerLen + rnd.nextInt(33) - 16;
                    case 1 -> rnd.nextLong();
                    case 2 -> b.length - 8 + rnd.nextInt(3) - 1;
                    case 3 -> 1L << rnd.nextInt(64);
                    case 4 -> rnd.nextInt(16);
                    default -> headerLen ^ (1L << rnd.nextInt(64));
                };
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            }
            default -> b = mutateJson(original, headerLen, m, rnd);
        }
        return b;
    }

    private static void flip(byte[] b, int from, int to, Random rnd) {
        int n = 1 + rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
            int at = from + rnd.nextInt(to - from);
            b[at] ^= (byte) (1 + rnd.nextInt(255));
        }
    }

    /** Edits the header text, then either keeps the length field (re-padding) or rewrites it. */
    private static byte[] mutateJson(byte[] original, int headerLen, Mutation m, Random rnd) {
        String h = new String(original, 8, headerLen, StandardCharsets.UTF_8);
        String edited = switch (m) {
            case JSON_DIGIT -> editDigit(h, rnd);
            case JSON_BRACKET -> editBracket(h, rnd);
            case JSON_DUP_NAME -> duplicateName(h, rnd);
            case JSON_DTYPE -> replaceDtype(h, rnd);
            case JSON_NUMBER -> replaceNumber(h, rnd);
            case JSON_SPLICE -> splice(h, rnd);
            default -> throw new AssertionError(m);
        };
        byte[] header = edited.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(original, 8 + headerLen, original.length);
        if (rnd.nextBoolean() && header.length <= headerLen) {
            // Same length field: pad with spaces so the data stays where it was.
            byte[] padded = Arrays.copyOf(header, headerLen);
            Arrays.fill(padded, header.length, headerLen, (byte) ' ');
            header = padded;
        }
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return out.putLong(header.length).put(header).put(data).array();
    }

    private static List<Integer> positions(String h, String chars) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < h.length(); i++) {
            if (chars.indexOf(h.charAt(i)) >= 0) {
                out.add(i);
            }
        }
        return out;
    }

    private static <T> T pick(List<T> list, Random rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    private static String editDigit(String h, Random rnd) {
        int at = pick(positions(h, "0123456789"), rnd);
        return switch (rnd.nextInt(4)) {
            case 0 -> h.substring(0, at) + (char) ('0' + rnd.nextInt(10)) + h.substring(at + 1);
            case 1 -> h.substring(0, at) + "9999999999" + h.substring(at);
            case 2 -> h.substring(0, at) + "-" + h.substring(at);
            default -> h.substring(0, at) + h.substring(at + 1);
        };
    }

    private static String editBracket(String h, Random rnd) {
        int at = pick(positions(h, "{}[]:,\""), rnd);
        if (rnd.nextBoolean()) {
            return h.substring(0, at) + h.substring(at + 1); // remove
        }
        char c = "{}[]:,\"".charAt(rnd.nextInt(7));
        return h.substring(0, at) + c + h.substring(at); // insert
    }

    private static String duplicateName(String h, Random rnd) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(h);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        String a = pick(names, rnd);
        if (names.size() > 1 && rnd.nextBoolean()) {
            String b = pick(names, rnd);
            return h.replace("\"" + b + "\":", "\"" + a + "\":"); // rename b to a
        }
        // Insert a second copy of a's entry.
        return "{\"" + a + "\":" + root.get(a) + "," + h.substring(h.indexOf('{') + 1);
    }

    private static String replaceDtype(String h, Random rnd) {
        List<Integer> at = new ArrayList<>();
        for (int i = h.indexOf("\"dtype\":\""); i >= 0; i = h.indexOf("\"dtype\":\"", i + 1)) {
            at.add(i + 9);
        }
        int start = pick(at, rnd);
        int end = h.indexOf('"', start);
        return h.substring(0, start) + DTYPES[rnd.nextInt(DTYPES.length)] + h.substring(end);
    }

    private static String replaceNumber(String h, Random rnd) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < h.length(); i++) {
            if (Character.isDigit(h.charAt(i)) && (i == 0 || !Character.isLetterOrDigit(h.charAt(i - 1)))) {
                int j = i;
                while (j < h.length() && Character.isDigit(h.charAt(j))) {
                    j++;
                }
                runs.add(new int[] {i, j});
            }
        }
        int[] r = pick(runs, rnd);
        return h.substring(0, r[0]) + NUMBERS[rnd.nextInt(NUMBERS.length)] + h.substring(r[1]);
    }

    private static String splice(String h, Random rnd) {
        int a = rnd.nextInt(h.length());
        int b = a + rnd.nextInt(Math.min(40, h.length() - a) + 1);
        return rnd.nextBoolean()
                ? h.substring(0, a) + h.substring(b)                   // delete a piece
                : h.substring(0, b) + h.substring(a, b) + h.substring(b); // repeat a piece
    }

    private static String headerPreview(byte[] mutant) {
        int n = Math.min(mutant.length, 8 + 300);
        return new String(mutant, 0, n, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "?");
    }
}
