package io.jomed.examples.cli;

import io.jomed.training.benchmark.TrainingStepBenchmark;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed benchmark-training}: milliseconds per phase-1 reader step and per phase-2 retriever step of jomed's
 * real training code on a MedMNIST dataset ({@link TrainingStepBenchmark}), for each libtorch thread count, and heap
 * and resident memory over long runs of each; printed as markdown tables and optionally written as JSON for
 * comparison with {@code bench/torch_training.py}.
 *
 * <p>Not thread-safe; one run per instance. Run it with the machine otherwise idle, preferably with a fixed,
 * pre-touched heap ({@code JOMED_JAVA_OPTS='-Xms1g -Xmx1g -XX:+AlwaysPreTouch'}; see {@link TrainingStepBenchmark}).
 */
@Command(name = "benchmark-training", mixinStandardHelpOptions = true,
        description = "Measure ms per phase-1 and phase-2 training step (1 and 2 libtorch threads) and memory over many steps.")
final class TrainingBenchmarkCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "breastmnist", description = "MedMNIST dataset (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--threads", split = ",", defaultValue = "1,2",
            description = "libtorch intra-op thread counts, comma-separated (default: ${DEFAULT-VALUE}); inter-op threads are 1.")
    List<Integer> threads;

    @Option(names = "--warmup-steps", defaultValue = "20",
            description = "Unmeasured steps per configuration, and of each step kind once before the first (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--steps", defaultValue = "100", description = "Measured steps per configuration (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--memory-steps", defaultValue = "1000",
            description = "Steps of each memory run (phase 1, phase 2; fewest threads), sampled every 100; 0 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    int memorySteps;

    @Option(names = "--out", description = "Also write the result as JSON to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        // libtorch's inter-op pool must be sized before the engine starts
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        TrainingStepBenchmark.Settings settings = new TrainingStepBenchmark.Settings(threads, warmupSteps, steps, memorySteps, 100);
        MedMnistDataset data = MedMnistDataset.load(MedMnistLocator.builder().build().locate(dataset, new ConsoleProgress(System.err)));
        TrainingStepBenchmark.Report report = new TrainingStepBenchmark(data, settings).run(line -> System.err.println("  " + line));
        System.out.println(report.toMarkdown());
        if (out != null) {
            report.writeJson(out);
            System.err.println("wrote " + out);
        }
        return 0;
    }
}
