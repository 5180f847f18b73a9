package dev.nibble.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nibble} command. Exit codes: 0 ok, 1 the run failed, 2 bad usage or bad input.
 * {@code --json} output is one JSON object on stdout; logs go to stderr.
 */
@Command(name = "nibble", mixinStandardHelpOptions = true, version = "nibble 0.1.0",
        description = "SVDQuant 4-bit diffusion engine with pluggable hardware backends.",
        subcommands = {BackendsCommand.class, GenerateCommand.class, TckCommand.class, dev.nibble.app.parity.ParityCommand.class,
                dev.nibble.app.serve.ServeCommand.class,
                QuantizeCommand.class, QuantReportCommand.class, BenchCommand.class, EvalCommand.class,
                CommandLine.HelpCommand.class})
public final class NibbleCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new NibbleCli());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setExitCodeExceptionMapper(ErrorHandler::exitCode);
        return cl.execute(args);
    }
}
