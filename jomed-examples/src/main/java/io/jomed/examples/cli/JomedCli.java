package io.jomed.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jomed} command-line tool, started by the {@code ./jomed} launcher at the repository root.
 *
 * <p>Each invocation runs one command; not meant to be used from several threads.
 */
@Command(name = "jomed", mixinStandardHelpOptions = true, version = "jomed 0.1.0-SNAPSHOT",
        description = "Retrieval-augmented medical image diagnosis with a reader-trained retriever (JOMED). "
                + "Research software, not a medical device. Add --verbose anywhere for the library's INFO log.",
        subcommands = {RetrievalEvalCommand.class, CommandLine.HelpCommand.class})
public final class JomedCli {

    public static void main(String[] args) {
        // Library INFO lines would break the progress bar; --verbose brings them back. Must run before any logger exists.
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        System.exit(run(java.util.Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new)));
    }

    /** Runs the tool and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new JomedCli()).execute(args);
    }
}
