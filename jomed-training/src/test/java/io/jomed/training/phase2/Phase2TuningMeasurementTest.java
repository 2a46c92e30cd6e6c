package io.jomed.training.phase2;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.alignment.AlignmentPair;
import io.jomed.training.alignment.AlignmentResult;
import io.jomed.training.alignment.DistinctTextKeys;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.alignment.OutOfFoldAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.experiment.MedMnistDefaults;
import io.jomed.training.phase1.Phase1ReaderTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase-2 settings on a MedMNIST dataset, everything before phase 2 done once as the experiment does it (alignment,
 * knowledge base, out-of-fold training queries, phase-1 reader with 8 passes): for each configuration of
 * {@code -Djomed.phase2.configs} (semicolon-separated {@code lr,passes,tauScore[,K[,preset]]}), fused accuracy of standard RAG and
 * JOMED on the validation split (the one to choose on) and on the test split. Runs only with {@code JOMED_DATA_DIR}
 * set and {@code -Djomed.measure=true}; {@code -Djomed.phase2.dataset} (default retinamnist), {@code .seed}.
 */
class Phase2TuningMeasurementTest {

    @Test
    void tune(@TempDir Path work) throws Exception {
        String dir = System.getenv("JOMED_DATA_DIR");
        Assumptions.assumeTrue(dir != null, "JOMED_DATA_DIR is not set: skipping the phase-2 tuning measurement");
        Assumptions.assumeTrue(Boolean.getBoolean("jomed.measure"), "-Djomed.measure=true is not set: skipping the phase-2 tuning");
        String name = System.getProperty("jomed.phase2.dataset", "retinamnist");
        Path file = Path.of(dir).resolve(name + "/" + name + ".npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        long seed = Long.getLong("jomed.phase2.seed", 1);
        String[] configs = System.getProperty("jomed.phase2.configs", "1e-4,6,1;1e-3,6,1;1e-3,6,0.1").split(";");

        MedMnistDataset dataset = MedMnistDataset.load(file);
        List<KnowledgeBaseCase> train = dataset.cases(MedMnistSplit.TRAIN);
        List<TaskExample> trainExamples = dataset.examples(MedMnistSplit.TRAIN);
        List<TaskExample> val = dataset.examples(MedMnistSplit.VAL);
        List<TaskExample> test = dataset.examples(MedMnistSplit.TEST);
        StringBuilder table = new StringBuilder("| preset | K | lr | passes | tau_score | kept step | val RAG | val JOMED | test RAG | test JOMED |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            DistinctTextKeys keys = DistinctTextKeys.encode(g0, train, dataset.cases(MedMnistSplit.VAL));
            List<AlignmentPair> trainPairs = keys.pairs(train);
            List<AlignmentPair> valPairs = keys.pairs(dataset.cases(MedMnistSplit.VAL));
            ImageTowerAlignment alignment = MedMnistDefaults.alignment(dataset, seed, MedMnistDefaults.ALIGNMENT_EPOCHS);
            try (AlignmentResult aligned = alignment.align(trainPairs, valPairs, ProgressListener.NONE);
                    ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower());
                    LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(work.resolve("kb")).setImageEncoder(f0)
                            .setTextEncoder(g0).build()) {
                kb.ingest(train, ProgressListener.NONE);
                float[][] oof = OutOfFoldAlignment.embed(alignment, trainPairs, valPairs, 3, seed, ProgressListener.NONE);
                Map<String, float[]> outOfFold = new HashMap<>();
                for (int i = 0; i < oof.length; i++) {
                    outOfFold.put(trainExamples.get(i).id(), oof[i]);
                }
                DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
                var image = dataset.image(MedMnistSplit.TRAIN, 0);
                ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(image.width(), image.height())
                        .setChannels(image.channels()).setTextEncoder(g0.fingerprint()).optDefaultQuestion(dataset.task().question())
                        .optSeed(seed).build();
                try (ClassifierReaderModel model = ClassifierReaderModel.create(config, dataset.task().labelSpace());
                        ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(g0).build()) {
                    Phase1ReaderTraining.builder().setRetriever(retriever).setModel(model).setTextEncoder(g0)
                            .setTrainingExamples(trainExamples).setValidationExamples(val).optPasses(8).optSeed(seed)
                            .optOutOfFoldEmbeddings(outOfFold).build().train(ProgressListener.NONE);
                    Jomed rag = Jomed.builder().setRetriever(retriever).setReader(reader).build();
                    double valRag = accuracy(rag, val);
                    double testRag = accuracy(rag, test);
                    for (String c : configs) {
                        String[] p = c.split(",");
                        Phase2Settings.Builder sb = Phase2Settings.builder().optLearningRate(Double.parseDouble(p[0]))
                                .optPasses(Integer.parseInt(p[1])).optTemperatures(1.0, Double.parseDouble(p[2]));
                        if (p.length > 3) {
                            sb.optCandidates(Integer.parseInt(p[3]));
                        }
                        if (p.length > 4) {
                            sb.optPreset(Phase2Preset.valueOf(p[4]));
                        }
                        Phase2Settings settings = sb.build();
                        try (Phase2Result r = Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(aligned.tower())
                                .setReader(reader).setTrainingExamples(trainExamples).setValidationExamples(val).optSettings(settings)
                                .optOutOfFoldEmbeddings(outOfFold).optSeed(seed).build().train(ProgressListener.NONE)) {
                            DualHeadRetriever.Builder b = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0);
                            List<ImageTowerEncoder> encoders = new java.util.ArrayList<>();
                            r.towers().forEach((h, t) -> {
                                ImageTowerEncoder e = new ImageTowerEncoder(t);
                                encoders.add(e);
                                b.optTrainedTower(h, e);
                            });
                            Jomed jomed = Jomed.builder().setRetriever(b.build()).setReader(reader).build();
                            table.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %d | %.4f | %.4f | %.4f | %.4f |%n",
                                    settings.preset(), settings.candidates(), p[0], p[1], p[2],
                                    r.stages().get(1).selectedStep(), valRag, accuracy(jomed, val), testRag, accuracy(jomed, test)));
                            encoders.forEach(ImageTowerEncoder::close);
                            System.out.println("PHASE2-TUNING " + name + " seed " + seed + "\n" + table);
                        }
                    }
                }
            }
        }
    }

    private static double accuracy(Jomed pipeline, List<TaskExample> examples) {
        List<Diagnosis> d = pipeline.diagnose(examples.stream().map(TaskExample::query).toList());
        int correct = 0;
        for (int i = 0; i < d.size(); i++) {
            correct += d.get(i).answer().equals(examples.get(i).goldLabel()) ? 1 : 0;
        }
        return (double) correct / d.size();
    }
}
