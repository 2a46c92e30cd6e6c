package io.jomed.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed train}: the demo's pipeline, also saving the standard-RAG pipeline as a model bundle whose
 * knowledge base stays in {@code --work-dir} (referenced by path, no patient data in the bundle).
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train on a MedMNIST dataset (as demo) and save the pipeline as a model bundle; the knowledge base "
                + "is written to --work-dir and referenced from the bundle by path.")
final class TrainCommand extends DemoCommand {

    @Option(names = "--bundle", required = true, description = "The model bundle folder to create (must not exist).")
    Path bundle;

    @Override
    Path bundle() {
        return bundle;
    }

    @Override
    public Integer call() throws Exception {
        if (workDir == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "train needs --work-dir: the knowledge base the bundle refers to is written there and must be kept");
        }
        if (Files.exists(bundle)) { // checked now, not after the training it would throw away
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "bundle folder "
                    + bundle.toAbsolutePath().normalize() + " already exists; a bundle is never overwritten: choose a new"
                    + " folder or delete this one");
        }
        return super.call();
    }
}
