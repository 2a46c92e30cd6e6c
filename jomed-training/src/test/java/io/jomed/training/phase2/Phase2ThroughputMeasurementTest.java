package io.jomed.training.phase2;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.benchmark.MemoryTrend;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase-2 throughput on BreastMNIST at the method's sizes ({@code B = 2}, {@code K = 50}; image stage only), with
 * and without the reuse of reader outputs: steps per second in the first pass (most pairs new to the reader) and
 * in the third (most pairs seen before). The components have the real architecture and sizes (default
 * {@code f0} tower, MiniLM {@code g0}, default classifier reader) but untrained weights, which do not change the
 * cost of a step. Runs only with {@code JOMED_DATA_DIR} set and {@code -Djomed.measure=true}; run it alone.
 */
class Phase2ThroughputMeasurementTest {

    @Test
    void breastMnist(@TempDir Path work) throws Exception {
        String dir = System.getenv("JOMED_DATA_DIR");
        Assumptions.assumeTrue(dir != null, "JOMED_DATA_DIR is not set: skipping the phase-2 throughput measurement");
        Assumptions.assumeTrue(Boolean.getBoolean("jomed.measure"), "-Djomed.measure=true is not set: skipping the phase-2 throughput measurement");
        Path file = Path.of(dir).resolve("breastmnist/breastmnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        MedMnistDataset dataset = MedMnistDataset.load(file);
        List<KnowledgeBaseCase> cases = dataset.cases(MedMnistSplit.TRAIN);
        List<TaskExample> train = dataset.examples(MedMnistSplit.TRAIN);
        List<TaskExample> val = dataset.examples(MedMnistSplit.VAL);
        ImageTowerConfig towerConfig = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(28, 28, 1)).build();
        StringBuilder table = new StringBuilder("| reader outputs | pass 1, steps/s | pass 3, steps/s | reader pairs scored | reused |\n|---|---|---|---|---|\n");
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create(); ImageTower f0 = ImageTower.create(towerConfig, 1);
                ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0);
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(work.resolve("kb")).setImageEncoder(f0Encoder)
                        .setTextEncoder(g0).build();
                ClassifierReaderModel model = ClassifierReaderModel.create(ClassifierReaderConfig.builder().setImageSize(28, 28)
                        .setChannels(1).setTextEncoder(g0.fingerprint()).optSeed(1).build(), dataset.task().labelSpace());
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(g0).build()) {
            kb.ingest(cases, ProgressListener.NONE);
            // a first round warms the JIT, Lucene and libtorch; the second is reported
            for (int round = 0; round < 2; round++) {
            for (boolean reuse : new boolean[] {true, false}) {
                Map<Long, Long> at = new ConcurrentHashMap<>();
                Phase2Settings settings = Phase2Settings.builder().optStages(List.of(RetrieverHead.IMAGE)).optPasses(3)
                        .optEvaluateEvery(1_000_000).build();
                try (Phase2Result r = Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(f0).setReader(reader)
                        .setTrainingExamples(train).setValidationExamples(val.subList(0, 8)).optSettings(settings)
                        .optReuseReaderOutputs(reuse).build().train(e -> at.putIfAbsent(e.completed(), System.nanoTime()))) {
                    StageResult s = r.stages().get(0);
                    long perPass = s.steps() / 3;
                    long a0 = 5;
                    long a1 = perPass / 5 * 5;
                    long b0 = (2 * perPass + 5) / 5 * 5;
                    long b1 = (s.steps() - 1) / 5 * 5;
                    double first = (a1 - a0) / ((at.get(a1) - at.get(a0)) / 1e9);
                    double third = (b1 - b0) / ((at.get(b1) - at.get(b0)) / 1e9);
                    if (round == 1) {
                        table.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d | %d |%n", reuse ? "reused" : "recomputed",
                                first, third, s.readerPairsScored(), s.readerPairsReused()));
                    }
                }
            }
            }
            // memory over about 1,000 steps (7 passes), sampled every 100 steps after a GC hint
            StringBuilder memory = new StringBuilder("| reader outputs | step | heap MiB | resident MiB |\n|---|---|---|---|\n");
            for (boolean reuse : new boolean[] {true, false}) {
                MemoryTrend trend = new MemoryTrend();
                Phase2Settings settings = Phase2Settings.builder().optStages(List.of(RetrieverHead.IMAGE)).optPasses(7)
                        .optEvaluateEvery(1_000_000).build();
                String label = reuse ? "reused" : "recomputed";
                try (Phase2Result r = Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(f0).setReader(reader)
                        .setTrainingExamples(train).setValidationExamples(val.subList(0, 8)).optSettings(settings)
                        .optReuseReaderOutputs(reuse).build().train(e -> {
                            if (e.completed() % 100 == 0 && e.completed() > 0 && !trend.sampled(e.completed())) {
                                trend.sample(e.completed());
                            }
                        })) {
                    memory.append(trend.rows(label)).append(String.format(Locale.ROOT, "| %s | slope per 1,000 steps | %+.2f | %+.2f |%n",
                            label, trend.heapSlopePerThousand(), trend.residentSlopePerThousand()));
                }
            }
            System.out.println("PHASE2-MEMORY (BreastMNIST, 1,029 steps)\n" + memory);
        }
        System.out.println("PHASE2-THROUGHPUT (BreastMNIST, B = 2, K = 50, 3 passes of 147 steps)\n" + table);
    }
}
