package dev.nibble.app.parity;

/** Runs golden cases of some kinds/classes with Nibble's own implementation. */
public interface CaseRunner {
    boolean handles(GoldenCase c);

    CaseResult run(GoldenCase c, ParityContext ctx);
}
