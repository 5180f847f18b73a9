package dev.nibble.app;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.SafetensorsException;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.spi.BackendUnavailableException;
import picocli.CommandLine;

/**
 * Turns exceptions into one clear line on stderr and an exit code: bad input (arguments, files,
 * model folders, unavailable backends) → 2, anything else → 1. Set NIBBLE_DEBUG=1 for stack traces.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        cl.getErr().println("nibble: " + (exitCode(ex) == NibbleCli.EXIT_BAD_INPUT ? "" : "error: ") + message(ex));
        if (System.getenv("NIBBLE_DEBUG") != null) {
            ex.printStackTrace(cl.getErr());
        }
        return exitCode(ex);
    }

    static int exitCode(Throwable t) {
        return switch (t) {
            case BadInputException e -> NibbleCli.EXIT_BAD_INPUT;
            case SafetensorsException e -> NibbleCli.EXIT_BAD_INPUT;
            case ConfigException e -> NibbleCli.EXIT_BAD_INPUT;
            case ShapeException e -> NibbleCli.EXIT_BAD_INPUT;
            case BackendUnavailableException e -> NibbleCli.EXIT_BAD_INPUT;
            case CommandLine.ParameterException e -> NibbleCli.EXIT_BAD_INPUT;
            case java.nio.file.NoSuchFileException e -> NibbleCli.EXIT_BAD_INPUT;
            default -> NibbleCli.EXIT_FAILED;
        };
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.toString() : m;
    }
}
