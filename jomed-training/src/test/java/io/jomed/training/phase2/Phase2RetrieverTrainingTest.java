package io.jomed.training.phase2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.training.phase1.PatientCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 2 on synthetic cases ({@link #lesionCase}) whose reports state the label (two distinct reports, so the
 * text stage must be skipped); the test reader answers with the label of the case it is given, so the
 * reader-supervised target pulls the image head towards cases of the query's label. With this tower libtorch's
 * steps are bitwise reproducible on many threads, which the resume test relies on.
 */
class Phase2RetrieverTrainingTest {
    private static final int DIM = 32;
    private static ImageTower f0;
    private static LuceneKnowledgeBase kb;
    private static List<TaskExample> train;
    private static List<TaskExample> validation;
    @TempDir
    static Path shared;

    /** Answers with the label stated in the case's metadata; knows nothing closed-book. */
    static final class CaseLabelReader implements Reader {
        final AtomicInteger pairs = new AtomicInteger();

        @Override
        public LabelSpace labelSpace() {
            return PatientCases.LABELS;
        }

        @Override
        public List<LabelLogits> score(List<ReaderInput> inputs) {
            List<LabelLogits> out = new ArrayList<>();
            for (ReaderInput in : inputs) {
                pairs.incrementAndGet();
                float[] logits = new float[2];
                in.context().ifPresent(c -> logits[PatientCases.LABELS.indexOf(c.metadata().get("label"))] = 2f);
                out.add(LabelLogits.of(logits));
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Noisy grey images; label-yes images carry a faint bright square that a random tower barely notices but a
     * trained one can; the report states the label (two distinct reports).
     */
    static KnowledgeBaseCase lesionCase(int i) {
        Random random = new Random(1_000 + i);
        boolean yes = i % 2 == 1;
        byte[] px = new byte[16 * 16];
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                double v = 128 + 45 * random.nextGaussian() + (yes && x >= 3 && x < 9 && y >= 3 && y < 9 ? 40 : 0);
                px[y * 16 + x] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
            }
        }
        String label = yes ? "yes" : "no";
        return KnowledgeBaseCase.builder().setId(String.format(java.util.Locale.ROOT, "c%03d", i))
                .setImage(io.jomed.api.image.MedicalImage.ofPixels(16, 16, 1, px))
                .optText(yes ? "report lesion answer yes" : "report clear answer no").optMetadata("label", label).build();
    }

    @BeforeAll
    static void setUp() {
        ImageTowerConfig config = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(16, 16, 1)).optChannelWidths(16, 32)
                .optEmbeddingDimension(DIM).build();
        f0 = ImageTower.create(config, 3);
        try (ImageTowerEncoder encoder = new ImageTowerEncoder(f0)) {
            kb = LuceneKnowledgeBase.builder().setDirectory(shared.resolve("kb")).setImageEncoder(encoder)
                    .setTextEncoder(new HashingTextEncoder(DIM, "0123abcd")).build();
            List<KnowledgeBaseCase> cases = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                cases.add(lesionCase(i));
            }
            kb.ingest(cases, ProgressListener.NONE);
            train = cases.subList(0, 48).stream().map(c -> new TaskExample(c.id(), io.jomed.api.retrieval.Query.of(c.image()),
                    c.metadata().get("label"))).toList();
            validation = cases.subList(48, 64).stream().map(c -> new TaskExample("q" + c.id(),
                    io.jomed.api.retrieval.Query.of(lesionCase(1_000 + Integer.parseInt(c.id().substring(1))).image()),
                    c.metadata().get("label"))).toList();
        }
    }

    @AfterAll
    static void tearDown() {
        kb.close();
        f0.close();
    }

    private static Phase2Settings.Builder settings() {
        return Phase2Settings.builder().optCandidates(8).optQueriesPerStep(4).optLearningRate(1e-3).optPasses(6);
    }

    private static Phase2RetrieverTraining.Builder training(Phase2Settings settings, Reader reader) {
        return Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(f0).setReader(reader)
                .setTrainingExamples(train).setValidationExamples(validation).optSettings(settings).optSeed(9);
    }

    /** Mean share of top-5 image-head candidates (own case excluded) whose label is the query's. */
    private static double sameLabelShare(ImageTower tower, double alpha) {
        try (ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0);
                ImageTowerEncoder head = tower == null ? null : new ImageTowerEncoder(tower)) {
            DualHeadRetriever.Builder b = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0Encoder)
                    .optHeads(List.of(RetrieverHead.IMAGE)).optAlpha(alpha);
            if (head != null) {
                b.optTrainedTower(RetrieverHead.IMAGE, head);
            }
            DualHeadRetriever retriever = b.build();
            double share = 0;
            for (TaskExample e : train) {
                var found = retriever.retrieve(e.query(), RetrievalOptions.builder().optKPerHead(5).optExcludeCaseId(e.id()).build());
                share += found.stream().filter(c -> c.knowledgeBaseCase().metadata().get("label").equals(e.goldLabel())).count() / 5.0;
            }
            return share / train.size();
        }
    }

    @Test
    void skipsTheTextStageAndTeachesTheImageHeadToFetchCasesThatLeadToTheGoldAnswer() {
        List<ProgressEvent> events = new ArrayList<>();
        Phase2Settings s = settings().optPasses(30).optCheckpointSelection(CheckpointSelection.FIXED_STEP)
                .optReferenceCheckpointStep(360).build();
        try (Phase2Result result = training(s, new CaseLabelReader()).build().train(events::add)) {
            StageResult text = result.stages().get(0);
            assertThat(text.head()).isEqualTo(RetrieverHead.TEXT);
            assertThat(text.skippedBecause()).get().asString().contains("2 distinct keys among 64 cases, fewer than K = 8");
            assertThat(result.skippedStages()).containsOnlyKeys("phase2.text");
            StageResult image = result.stages().get(1);
            assertThat(image.wasSkipped()).isFalse();
            assertThat(image.steps()).isEqualTo(30 * 48 / 4);
            assertThat(image.curve().get(0).step()).isZero();
            assertThat(image.curve().get(image.curve().size() - 1).step()).isEqualTo(image.steps());
            assertThat(image.candidateRecall()).isGreaterThan(0.9);
            assertThat(image.readerPairsReused()).isGreaterThan(image.readerPairsScored());
            assertThat(result.metadata()).containsEntry("phase2.preset", "CLEAN").containsEntry("phase2.alpha", "0.15")
                    .containsKey("phase2.image.selected_step").containsEntry("phase2.overrides",
                            "{candidates=8, queries_per_step=4, learning_rate=0.001, passes=30, checkpoint_selection=FIXED_STEP, reference_checkpoint_step=360}");
            assertThat(events).anyMatch(e -> e.job().equals("phase2") && e.stage().equals("image") && e.metrics().containsKey("loss"));

            // the image head, trained by the reader, now retrieves cases whose report states the query's label
            double before = sameLabelShare(null, 0.15);
            assertThat(result.tower(RetrieverHead.IMAGE)).isPresent();
            double after = sameLabelShare(result.tower(RetrieverHead.IMAGE).get(), 0.15);
            assertThat(after).as("share of same-label candidates before %s, after %s", before, after).isGreaterThan(before + 0.03);
            double firstLoss = image.curve().get(1).trainingLoss();
            double lastLoss = image.curve().get(image.curve().size() - 1).trainingLoss();
            assertThat(lastLoss).isLessThan(firstLoss);
        }
    }

    @Test
    void anInterruptedRunResumedFromItsCheckpointEndsAsTheUninterruptedRun(@TempDir Path dir) {
        Phase2Settings s = settings().optPasses(3).optStages(List.of(RetrieverHead.IMAGE)).build();
        float[][] uninterrupted;
        List<TrainingPoint> curve;
        try (Phase2Result r = training(s, new CaseLabelReader()).optCheckpointDirectory(dir.resolve("a")).build()
                .train(ProgressListener.NONE)) {
            uninterrupted = r.tower(RetrieverHead.IMAGE).orElseThrow().parameterValues();
            curve = r.stages().get(0).curve();
        }
        Path b = dir.resolve("b");
        assertThatThrownBy(() -> training(s, new CaseLabelReader()).optCheckpointDirectory(b).optStopAfterSteps(13).build()
                .train(ProgressListener.NONE)).isInstanceOf(JobCancelledException.class);
        assertThat(b.resolve(Phase2Checkpoint.FILE)).exists();
        CaseLabelReader reader = new CaseLabelReader();
        try (Phase2Result r = training(s, reader).optCheckpointDirectory(b).optResume(true).build().train(ProgressListener.NONE)) {
            float[][] resumed = r.tower(RetrieverHead.IMAGE).orElseThrow().parameterValues();
            for (int i = 0; i < resumed.length; i++) {
                for (int j = 0; j < resumed[i].length; j++) {
                    assertThat(resumed[i][j]).as("parameter %d[%d]", i, j).isCloseTo(uninterrupted[i][j], within(1e-4f));
                }
            }
            List<TrainingPoint> resumedCurve = r.stages().get(0).curve();
            assertThat(resumedCurve).hasSameSizeAs(curve);
            for (int i = 0; i < curve.size(); i++) {
                assertThat(resumedCurve.get(i).validationAccuracy()).isCloseTo(curve.get(i).validationAccuracy(), within(1e-4));
                assertThat(resumedCurve.get(i).step()).isEqualTo(curve.get(i).step());
            }
            assertThat(r.stages().get(0).selectedStep()).isEqualTo(curve.isEmpty() ? 0 : r.stages().get(0).selectedStep());
        }
    }

    @Test
    void reusingReaderOutputsIsExactAndSavesReaderPasses() {
        Phase2Settings s = settings().optPasses(3).optStages(List.of(RetrieverHead.IMAGE)).build();
        CaseLabelReader reusing = new CaseLabelReader();
        CaseLabelReader plain = new CaseLabelReader();
        try (Phase2Result a = training(s, reusing).build().train(ProgressListener.NONE);
                Phase2Result b = training(s, plain).optReuseReaderOutputs(false).build().train(ProgressListener.NONE)) {
            assertThat(a.tower(RetrieverHead.IMAGE).map(ImageTower::parameterValues).orElse(null))
                    .isDeepEqualTo(b.tower(RetrieverHead.IMAGE).map(ImageTower::parameterValues).orElse(null));
            assertThat(reusing.pairs.get()).as("reader pairs scored with and without reuse").isLessThan(plain.pairs.get());
        }
    }

    @Test
    void aCheckpointOfOtherSettingsIsRefused(@TempDir Path dir) {
        Phase2Settings s = settings().optPasses(1).optStages(List.of(RetrieverHead.IMAGE)).build();
        training(s, new CaseLabelReader()).optCheckpointDirectory(dir).build().train(ProgressListener.NONE).close();
        Phase2Settings other = settings().optPasses(2).optStages(List.of(RetrieverHead.IMAGE)).build();
        assertThatThrownBy(() -> training(other, new CaseLabelReader()).optCheckpointDirectory(dir).optResume(true).build()
                .train(ProgressListener.NONE)).hasMessageContaining("was made by other inputs or settings");
    }

    @Test
    void validatesItsInputs() {
        assertThatThrownBy(() -> Phase2RetrieverTraining.builder().build()).hasMessageContaining("call setKnowledgeBase");
        List<TaskExample> wrong = List.of(new TaskExample(train.get(0).id(), train.get(0).query(), "maybe"),
                train.get(1), train.get(2), train.get(3));
        assertThatThrownBy(() -> Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(f0)
                .setReader(new CaseLabelReader()).setTrainingExamples(wrong).setValidationExamples(validation)
                .optSettings(settings().build()).build().train(ProgressListener.NONE))
                .hasMessageContaining("training example c000 has gold label \"maybe\"");
        try (ImageTower other = ImageTower.create(f0.config(), 99)) {
            assertThatThrownBy(() -> training(settings().build(), new CaseLabelReader()).setImageKeyTower(other).build())
                    .hasMessageContaining("did not build this knowledge base");
        }
        assertThatThrownBy(() -> training(settings().optCandidates(64).optStages(List.of(RetrieverHead.IMAGE)).build(),
                new CaseLabelReader()).build().train(ProgressListener.NONE)).hasMessageContaining("need at least 65");
    }

}
