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
        subcommands = {DemoCommand.class, TrainCommand.class, EvaluateCommand.class, DiagnoseCommand.class,
            IndexCommand.class, RetrievalEvalCommand.class, RetrievalSummaryCommand.class, DiagnoseBenchmarkCommand.class,
            ExportEmbeddingsCommand.class, RetrievalBenchmarkCommand.class, TrainingBenchmarkCommand.class,
            CommandLine.HelpCommand.class})
public final class JomedCli {

    public static void main(String[] args) {
        // Library INFO lines would break the progress bar; --verbose brings them back. Must run before any logger exists.
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        System.exit(run(java.util.Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new)));
    }

    /** Runs the tool and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new JomedCli()).setExecutionExceptionHandler(JomedCli::report).execute(args);
    }

    /** Bad input gets one clear line (exit code 2); anything else a stack trace (exit code 1). */
    private static int report(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        boolean badInput = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException
                || e instanceof io.jomed.api.progress.JobCancelledException;
        if (badInput) {
            command.getErr().println("jomed " + command.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        e.printStackTrace(command.getErr());
        return 1;
    }
}
