package dev.nibble.bench.compare;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr: redrawn in place ({@code \r}) on a terminal; elsewhere (a log file, a CI
 * console) one line per few percent so logs stay readable. Shows steps done, elapsed time, an ETA and
 * what is running.
 */
public final class ProgressBar implements Progress {
    private static final int WIDTH = 28;

    private final PrintStream out;
    private final boolean interactive;
    private final String title;
    private final long start = System.nanoTime();
    private long total = 1;
    private long done;
    private int lastPercentPrinted = -100;
    private int lastLength;

    public ProgressBar(PrintStream out, boolean interactive, String title) {
        this.out = out;
        this.interactive = interactive;
        this.title = title;
    }

    /** A bar on System.err, redrawn in place when a console is attached. */
    public static ProgressBar stderr(String title) {
        return new ProgressBar(System.err, System.console() != null, title);
    }

    @Override
    public synchronized void total(long steps) {
        total = Math.max(1, steps);
        done = Math.min(done, total);
    }

    @Override
    public synchronized void advance(long steps, String label) {
        done = Math.min(total, done + Math.max(0, steps));
        draw(label);
    }

    @Override
    public synchronized void note(String message) {
        if (interactive && lastLength > 0) {
            out.print("\r" + " ".repeat(lastLength) + "\r");
            lastLength = 0;
        }
        out.println(title + ": " + message);
        out.flush();
    }

    @Override
    public synchronized void done() {
        if (interactive && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
        out.flush();
    }

    private void draw(String label) {
        double f = (double) done / total;
        int pct = (int) Math.floor(f * 100);
        if (!interactive && pct - lastPercentPrinted < 5 && done < total) {
            return;
        }
        lastPercentPrinted = pct;
        int filled = (int) Math.round(f * WIDTH);
        double elapsed = (System.nanoTime() - start) / 1e9;
        String eta = done == 0 ? "?" : fmtSeconds(elapsed / done * (total - done));
        String line = String.format(Locale.ROOT, "%s [%s%s] %3d%% %s elapsed, ETA %s  %s", title, "#".repeat(filled),
                ".".repeat(WIDTH - filled), pct, fmtSeconds(elapsed), eta, label == null ? "" : label);
        if (interactive) {
            String pad = lastLength > line.length() ? " ".repeat(lastLength - line.length()) : "";
            out.print("\r" + line + pad);
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String fmtSeconds(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.0fs", s);
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", (int) (s / 60), (int) (s % 60));
        }
        return String.format(Locale.ROOT, "%dh%02dm", (int) (s / 3600), (int) (s % 3600 / 60));
    }
}
