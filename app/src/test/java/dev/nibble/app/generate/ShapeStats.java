package dev.nibble.app.generate;

import dev.nibble.models.common.image.ChwImage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image statistics of models/nibble-shapes-info/README.md ("Measured prompt adherence"), for 64x64
 * images of the built-in model: background = per-channel median of the border pixels; foreground = pixels
 * farther than 55 (RGB distance, 0..255) from it; dominant colour = the most common nearest palette colour
 * among foreground pixels; position = the centroid of the dominant-colour pixels in a 3x3 grid with
 * thresholds at x, y = 26 and 38 px.
 *
 * <p>The palette is the model's eight shape colours as they come out of it (read off generated images: the
 * foreground mean of single-shape images of each colour, rounded); nearest is by RGB distance.
 */
final class ShapeStats {
    static final double FOREGROUND_DISTANCE = 55;
    static final int LOW = 26;
    static final int HIGH = 38;

    static final Map<String, int[]> PALETTE = palette();

    private static Map<String, int[]> palette() {
        Map<String, int[]> p = new LinkedHashMap<>();
        p.put("red", new int[] {215, 45, 45});
        p.put("green", new int[] {50, 165, 70});
        p.put("blue", new int[] {45, 75, 220});
        p.put("yellow", new int[] {242, 222, 40});
        p.put("purple", new int[] {140, 62, 180});
        p.put("orange", new int[] {245, 125, 20});
        p.put("white", new int[] {245, 245, 245});
        p.put("black", new int[] {25, 20, 20});
        return p;
    }

    /** The 3x3 region of each single-shape position phrase: {column, row}, 0 = left/top. */
    static final Map<String, int[]> REGIONS = Map.of(
            "on the left", new int[] {0, 1}, "on the right", new int[] {2, 1},
            "at the top", new int[] {1, 0}, "at the bottom", new int[] {1, 2},
            "in the center", new int[] {1, 1},
            "at the top left", new int[] {0, 0}, "at the top right", new int[] {2, 0},
            "at the bottom left", new int[] {0, 2}, "at the bottom right", new int[] {2, 2});

    /** What the checker reads from one image. */
    record Reading(int[] background, int foregroundPixels, String colour, double cx, double cy) {
        /** {column, row} of the centroid, or null without foreground. */
        int[] region() {
            if (colour == null) {
                return null;
            }
            return new int[] {cell(cx), cell(cy)};
        }

        private static int cell(double v) {
            return v < LOW ? 0 : v < HIGH ? 1 : 2;
        }

        boolean colourIs(String c) {
            return c.equals(colour);
        }

        boolean regionIs(int[] want) {
            int[] r = region();
            return r != null && Arrays.equals(r, want);
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "bg %s, %d fg px, colour %s, centroid (%.1f, %.1f) region %s",
                    Arrays.toString(background), foregroundPixels, colour, cx, cy,
                    region() == null ? "-" : Arrays.toString(region()));
        }
    }

    private ShapeStats() {
    }

    static Reading read(ChwImage img) {
        int w = img.width();
        int h = img.height();
        int[][] px = new int[w * h][3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[y * w + x][c] = Math.round(Math.min(1f, Math.max(0f, img.get(c, y, x))) * 255f);
                }
            }
        }
        int[] bg = new int[3];
        for (int c = 0; c < 3; c++) {
            int[] border = new int[2 * w + 2 * h - 4];
            int n = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                        border[n++] = px[y * w + x][c];
                    }
                }
            }
            Arrays.sort(border);
            bg[c] = border[n / 2];
        }
        List<String> names = List.copyOf(PALETTE.keySet());
        int[] nearest = new int[w * h];
        int[] counts = new int[names.size()];
        int fg = 0;
        for (int i = 0; i < px.length; i++) {
            nearest[i] = -1;
            if (dist(px[i], bg) > FOREGROUND_DISTANCE) {
                fg++;
                int best = 0;
                double bd = Double.MAX_VALUE;
                for (int k = 0; k < names.size(); k++) {
                    double d = dist(px[i], PALETTE.get(names.get(k)));
                    if (d < bd) {
                        bd = d;
                        best = k;
                    }
                }
                nearest[i] = best;
                counts[best]++;
            }
        }
        if (fg == 0) {
            return new Reading(bg, 0, null, Double.NaN, Double.NaN);
        }
        int dom = 0;
        for (int k = 1; k < counts.length; k++) {
            if (counts[k] > counts[dom]) {
                dom = k;
            }
        }
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < nearest.length; i++) {
            if (nearest[i] == dom) {
                sx += i % w;
                sy += i / w;
            }
        }
        return new Reading(bg, fg, names.get(dom), sx / counts[dom], sy / counts[dom]);
    }

    private static double dist(int[] a, int[] b) {
        double s = 0;
        for (int c = 0; c < 3; c++) {
            double d = a[c] - b[c];
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
