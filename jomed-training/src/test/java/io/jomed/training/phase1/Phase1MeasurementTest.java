package io.jomed.training.phase1;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.alignment.AlignmentPair;
import io.jomed.training.alignment.AlignmentResult;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.alignment.OutOfFoldAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures phase 1 on BreastMNIST: aligns {@code f0} (30 epochs, seed as the run seed, as {@code jomed
 * retrieval-eval} does), builds the knowledge base of the train split, embeds the training queries out of fold
 * (3 folds), and trains the closed-book baseline and the phase-1 reader with plain and with out-of-fold training
 * retrieval. Prints validation and test accuracy (fused standard RAG through {@link Jomed}; closed-book) and
 * timings. Runs only with {@code JOMED_DATA_DIR} set and {@code -Djomed.measure=true}. Overrides:
 * {@code -Djomed.phase1.passes}, {@code .lr}, {@code .dropout}, {@code .batch}, {@code .seed}, {@code .folds}
 * (0 skips the out-of-fold run), {@code .alignEpochs}.
 */
class Phase1MeasurementTest {

    @Test
    void breastMnist(@TempDir Path work) throws Exception {
        String dir = System.getenv("JOMED_DATA_DIR");
        Assumptions.assumeTrue(dir != null, "JOMED_DATA_DIR is not set: skipping the phase-1 measurement");
        Assumptions.assumeTrue(Boolean.getBoolean("jomed.measure"), "-Djomed.measure=true is not set: skipping the phase-1 measurement");
        Path file = Path.of(dir).resolve("breastmnist/breastmnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");

        long seed = Long.getLong("jomed.phase1.seed", 1);
        int passes = Integer.getInteger("jomed.phase1.passes", 30);
        double lr = Double.parseDouble(System.getProperty("jomed.phase1.lr", "1e-3"));
        float dropout = Float.parseFloat(System.getProperty("jomed.phase1.dropout", "0.1"));
        int batch = Integer.getInteger("jomed.phase1.batch", 32);
        int folds = Integer.getInteger("jomed.phase1.folds", 3);
        int alignEpochs = Integer.getInteger("jomed.phase1.alignEpochs", 30);

        MedMnistDataset dataset = MedMnistDataset.load(file);
        int channels = dataset.image(MedMnistSplit.TRAIN, 0).channels();
        List<KnowledgeBaseCase> trainCases = dataset.cases(MedMnistSplit.TRAIN);
        List<TaskExample> train = dataset.examples(MedMnistSplit.TRAIN);
        List<TaskExample> val = dataset.examples(MedMnistSplit.VAL);
        List<TaskExample> test = dataset.examples(MedMnistSplit.TEST);
        List<String> rows = new ArrayList<>();

        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            Map<String, float[]> keys = textKeys(g0, trainCases, dataset.cases(MedMnistSplit.VAL));
            List<AlignmentPair> trainPairs = trainCases.stream().map(c -> new AlignmentPair(c.image(), keys.get(c.text()))).toList();
            List<AlignmentPair> valPairs = dataset.cases(MedMnistSplit.VAL).stream()
                    .map(c -> new AlignmentPair(c.image(), keys.get(c.text()))).toList();
            ImageTowerAlignment alignment = ImageTowerAlignment.builder()
                    .setTowerConfig(ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(28, 28, channels)).build())
                    .optEpochs(alignEpochs).optSeed(seed).optAugmentation(new ImageAugmentation(2, false, false)).build();
            long t0 = System.nanoTime();
            try (AlignmentResult aligned = alignment.align(trainPairs, valPairs, ProgressListener.NONE);
                    ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower());
                    LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(work.resolve("kb")).setImageEncoder(f0)
                            .setTextEncoder(g0).build()) {
                double alignSeconds = (System.nanoTime() - t0) / 1e9;
                kb.ingest(trainCases, ProgressListener.NONE);
                DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();

                Map<String, float[]> oof = null;
                double oofSeconds = 0;
                if (folds > 0) {
                    long t1 = System.nanoTime();
                    float[][] e = OutOfFoldAlignment.embed(alignment, trainPairs, valPairs, folds, seed, ProgressListener.NONE);
                    oofSeconds = (System.nanoTime() - t1) / 1e9;
                    oof = new HashMap<>();
                    for (int i = 0; i < e.length; i++) {
                        oof.put(train.get(i).id(), e[i]);
                    }
                }
                ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(28, 28).setChannels(channels)
                        .setTextEncoder(g0.fingerprint()).optDropout(dropout).optSeed(seed).build();
                for (Phase1Mode mode : List.of(Phase1Mode.CLOSED_BOOK, Phase1Mode.RETRIEVAL_AUGMENTED)) {
                    for (boolean outOfFold : mode == Phase1Mode.CLOSED_BOOK || oof == null ? List.of(false) : List.of(false, true)) {
                        try (ClassifierReaderModel model = ClassifierReaderModel.create(config, dataset.task().labelSpace());
                                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(g0).build()) {
                            Phase1ReaderTraining.Builder b = Phase1ReaderTraining.builder().setRetriever(retriever).setModel(model)
                                    .setTextEncoder(g0).setTrainingExamples(train).setValidationExamples(val).optMode(mode)
                                    .optPasses(passes).optLearningRate(lr).optBatchSize(batch).optSeed(seed);
                            if (outOfFold) {
                                b.optOutOfFoldEmbeddings(oof);
                            }
                            Phase1Result r = b.build().train(ProgressListener.NONE);
                            double valAcc = accuracy(mode, retriever, reader, val);
                            double testAcc = accuracy(mode, retriever, reader, test);
                            assertThat(valAcc).isEqualTo(r.bestValidationAccuracy());
                            String name = mode == Phase1Mode.CLOSED_BOOK ? "closed-book"
                                    : outOfFold ? "standard RAG, out-of-fold training retrieval" : "standard RAG, plain training retrieval";
                            rows.add(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %d / %d | %.0f |", name, seed, valAcc, testAcc,
                                    r.bestStep(), r.steps(), r.elapsed().toNanos() / 1e9));
                            System.out.println(rows.get(rows.size() - 1));
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "%nBreastMNIST phase 1: seed %d, passes %d, lr %s, dropout %s, batch %d rows; "
                        + "f0 alignment %.0f s, out-of-fold (%d folds) %.0f s%n", seed, passes, lr, dropout, batch, alignSeconds, folds,
                        oofSeconds);
                System.out.println("| reader | seed | val acc | test acc | best step / steps | train s |");
                System.out.println("|---|---|---|---|---|---|");
                rows.forEach(System.out::println);
            }
        }
    }

    private static double accuracy(Phase1Mode mode, DualHeadRetriever retriever, ClassifierReader reader, List<TaskExample> examples) {
        List<String> predicted = new ArrayList<>();
        if (mode == Phase1Mode.CLOSED_BOOK) {
            for (LabelLogits l : reader.score(examples.stream().map(e -> ReaderInput.closedBook(e.query())).toList())) {
                predicted.add(reader.labelSpace().label(l.predicted()));
            }
        } else {
            Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader).build();
            for (Diagnosis d : jomed.diagnose(examples.stream().map(TaskExample::query).toList())) {
                predicted.add(d.answer());
            }
        }
        int correct = 0;
        for (int i = 0; i < examples.size(); i++) {
            correct += predicted.get(i).equals(examples.get(i).goldLabel()) ? 1 : 0;
        }
        return (double) correct / examples.size();
    }

    private static Map<String, float[]> textKeys(MiniLmTextEncoder g0, List<KnowledgeBaseCase> a, List<KnowledgeBaseCase> b) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(Stream.concat(a.stream(), b.stream()).map(KnowledgeBaseCase::text).toList()));
        float[][] k = g0.encode(distinct);
        Map<String, float[]> out = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            out.put(distinct.get(i), k[i]);
        }
        return out;
    }
}
