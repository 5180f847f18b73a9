package dev.nibble.app.generate;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The denoising progress on stderr, one bar per step: {@code step 7/20 [#######.............] 35 ms/step}.
 * On a terminal the line is redrawn in place (carriage return) and ended after the last step; otherwise
 * (a log file, a pipe) every step is its own line.
 */
public final class ProgressBar implements ProgressListener {
    static final int WIDTH = 20;

    private final PrintStream out;
    private final boolean terminal;
    private final boolean steps;

    /**
     * @param terminal redraw the line in place
     * @param steps    show the steps (false: only warnings)
     */
    public ProgressBar(PrintStream out, boolean terminal, boolean steps) {
        this.out = out;
        this.terminal = terminal;
        this.steps = steps;
    }

    /** Progress (when {@code steps}) and warnings on System.err, redrawn in place when stderr is a terminal. */
    public static ProgressBar stderr(boolean steps) {
        return new ProgressBar(System.err, stderrIsTerminal(), steps);
    }

    @Override
    public void onWarning(String message) {
        out.println("nibble: warning: " + message);
        out.flush();
    }

    @Override
    public void onStep(int index, int total, long nanos) {
        if (!steps) {
            return;
        }
        String line = line(index + 1, total, nanos);
        if (terminal) {
            out.print("\r" + line + (index + 1 == total ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** {@code step done/total [###...] N ms/step}. */
    static String line(int done, int total, long nanos) {
        int filled = total <= 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        String width = String.valueOf(total);
        return String.format(Locale.ROOT, "step %" + width.length() + "d/%d [%s%s] %s ms/step", done, total,
                "#".repeat(filled), ".".repeat(WIDTH - filled), millis(nanos));
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    /**
     * Whether file descriptor 2 is a terminal: on Linux where /proc/self/fd/2 points (a tty or pseudo-terminal
     * device); elsewhere the JVM's console, which requires stdin and stdout to be terminals too.
     */
    static boolean stderrIsTerminal() {
        try {
            Path fd = Path.of("/proc/self/fd/2");
            if (Files.isSymbolicLink(fd)) {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (Exception e) {
            // fall through
        }
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}
