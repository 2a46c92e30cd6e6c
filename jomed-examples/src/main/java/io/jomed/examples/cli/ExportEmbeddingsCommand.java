package io.jomed.examples.cli;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.training.alignment.AlignmentPair;
import io.jomed.training.alignment.AlignmentResult;
import io.jomed.training.alignment.DistinctTextKeys;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.dataset.npy.NpyWriter;
import io.jomed.training.experiment.MedMnistDefaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jomed export-embeddings}: writes the keys jomed's own encoders give real data, as {@code .npy} matrices
 * for benchmarks: {@code f0} image keys of every image of each MedMNIST dataset (f0 aligned on the dataset's train
 * split first) and {@code g0} (MiniLM) keys of the distinct lines of a text file.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "export-embeddings", mixinStandardHelpOptions = true,
        description = "Write real keys from jomed's encoders as .npy (float32, one unit row per item): NAME-f0.npy with "
                + "the f0 keys of all images (train, val, test) of each MedMNIST dataset, f0 aligned on its train split "
                + "first; text-g0.npy with the MiniLM keys of the distinct non-empty lines of --text-file.")
final class ExportEmbeddingsCommand implements Callable<Integer> {

    @Option(names = "--dataset", split = ",", defaultValue = "breastmnist,retinamnist",
            description = "MedMNIST datasets at $JOMED_DATA_DIR/NAME/NAME.npz (default: ${DEFAULT-VALUE}).")
    List<String> datasets;

    @Option(names = "--text-file", description = "UTF-8 text, one item per line (for example VQA-RAD questions).")
    Path textFile;

    @Option(names = "--seed", defaultValue = "1", description = "Alignment seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    TowerOptions tower = new TowerOptions();

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        ConsoleProgress progress = new ConsoleProgress(System.err);
        MedMnistLocator locator = MedMnistLocator.builder().build();
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            for (String name : datasets) {
                MedMnistDataset dataset = MedMnistDataset.load(locator.locate(name, progress));
                List<KnowledgeBaseCase> train = dataset.cases(MedMnistSplit.TRAIN);
                List<KnowledgeBaseCase> val = dataset.cases(MedMnistSplit.VAL);
                DistinctTextKeys textKeys = DistinctTextKeys.encode(g0, train, val);
                List<AlignmentPair> trainPairs = textKeys.pairs(train);
                List<AlignmentPair> valPairs = textKeys.pairs(val);
                try (AlignmentResult aligned = MedMnistDefaults.alignment(dataset, seed, MedMnistDefaults.ALIGNMENT_EPOCHS,
                        tower.members())
                        .align(trainPairs, valPairs, progress);
                        ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower())) {
                    List<MedicalImage> images = new ArrayList<>();
                    for (MedMnistSplit split : MedMnistSplit.values()) {
                        for (int i = 0; i < dataset.size(split); i++) {
                            images.add(dataset.image(split, i));
                        }
                    }
                    Path file = out.resolve(name + "-f0.npy");
                    NpyWriter.writeFloat32(file, f0.encode(images));
                    System.err.println();
                    System.out.printf("%s: %d f0 keys of dimension %d -> %s%n", name, images.size(), f0.dimension(), file);
                }
            }
            if (textFile != null) {
                List<String> lines = new ArrayList<>(new LinkedHashSet<>(Files.readAllLines(textFile, StandardCharsets.UTF_8)
                        .stream().map(String::strip).filter(s -> !s.isEmpty()).toList()));
                if (lines.isEmpty()) {
                    throw new IllegalArgumentException("text file " + textFile + " has no non-empty line");
                }
                Path file = out.resolve("text-g0.npy");
                NpyWriter.writeFloat32(file, g0.encode(lines));
                System.out.printf("%s: %d distinct lines, g0 keys of dimension %d -> %s%n", textFile, lines.size(),
                        g0.dimension(), file);
            }
        }
        return 0;
    }
}
