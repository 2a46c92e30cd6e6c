package io.jomed.training.phase1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phase 1 on synthetic patients whose label is independent of their look: the knowledge base holds three images
 * of each of 80 patients with a report that states the label; the reader trains on patients 0-39 and is
 * validated on new images of patients 40-79, whose labels only the retrieved reports can tell.
 */
class Phase1ReaderTrainingTest {
    private static final PixelImageEncoder F0 = new PixelImageEncoder();
    private static final HashingTextEncoder G0 = new HashingTextEncoder();
    private static final PatientCases PATIENTS = new PatientCases(80, 5);
    private static final int COPIES = 3;

    @TempDir
    static Path kbDir;
    private static LuceneKnowledgeBase kb;
    private static List<TaskExample> train;
    private static List<TaskExample> validation;

    @BeforeAll
    static void buildKnowledgeBase() {
        kb = LuceneKnowledgeBase.builder().setDirectory(kbDir).setImageEncoder(F0).setTextEncoder(G0).build();
        kb.ingest(PATIENTS.cases(COPIES), ProgressListener.NONE);
        train = PATIENTS.trainingExamples(COPIES, 0, 40);
        validation = PATIENTS.heldOutExamples(7, 40, 80);
    }

    @AfterAll
    static void close() {
        kb.close();
    }

    private static DualHeadRetriever retriever(List<RetrieverHead> heads) {
        return DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(F0).optHeads(heads).build();
    }

    private static ClassifierReaderModel model(long seed) {
        ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(16, 16).setChannels(1)
                .setTextEncoder(G0.fingerprint()).optConvChannels(8, 16).optModelWidth(32).optLayers(1)
                .optDropout(0.1f).optSeed(seed).build();
        return ClassifierReaderModel.create(config, PatientCases.LABELS);
    }

    private static Phase1ReaderTraining.Builder training(DualHeadRetriever retriever, ClassifierReaderModel model) {
        return Phase1ReaderTraining.builder().setRetriever(retriever).setModel(model).setTextEncoder(G0)
                .setTrainingExamples(train).setValidationExamples(validation);
    }

    private static final class Recorder implements ProgressListener {
        final List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        final int cancelAfterTrainEvents;

        Recorder(int cancelAfterTrainEvents) {
            this.cancelAfterTrainEvents = cancelAfterTrainEvents;
        }

        @Override
        public void onProgress(ProgressEvent event) {
            events.add(event);
        }

        @Override
        public boolean isCancelled() {
            return cancelAfterTrainEvents >= 0 && stage("train").size() >= cancelAfterTrainEvents;
        }

        List<ProgressEvent> stage(String stage) {
            return events.stream().filter(e -> e.stage().equals(stage)).toList();
        }
    }

    @Test
    void readsTheNeighboursReportWhereClosedBookCannotWithTheSameStepsAndBatchSize() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE));
        Recorder closedEvents = new Recorder(-1);
        try (ClassifierReaderModel ragModel = model(1); ClassifierReaderModel closedModel = model(1)) {
            Phase1Result rag = training(retriever, ragModel).optBatchSize(16).optPasses(2).optLearningRate(3e-3)
                    .optEvaluateEvery(10).build().train(ProgressListener.NONE);
            Phase1Result closed = training(retriever, closedModel).optMode(Phase1Mode.CLOSED_BOOK).optBatchSize(16)
                    .optPasses(2).optLearningRate(3e-3).optEvaluateEvery(10).build().train(closedEvents);

            // a pass holds 2 * m examples (m = the smaller class); 8 examples (16 rows) per retrieval-augmented batch
            long yes = train.stream().filter(e -> e.goldLabel().equals("yes")).count();
            long perPass = 2 * Math.min(yes, train.size() - yes) / 8;
            assertThat(rag.steps()).isEqualTo(closed.steps()).isEqualTo(2 * perPass);
            assertThat(rag.rowsPerBatch()).isEqualTo(closed.rowsPerBatch()).isEqualTo(16);
            assertThat(rag.history()).extracting(Phase1Evaluation::step).containsExactly(10L, 20L, 2 * perPass);
            assertThat(rag.bestValidationAccuracy()).isGreaterThanOrEqualTo(0.95);
            assertThat(closed.bestValidationAccuracy()).isLessThan(0.8);
            assertThat(rag.best().validationAccuracy()).isEqualTo(rag.bestValidationAccuracy());
            assertThat(closedEvents.stage("train")).hasSize((int) (2 * perPass)).allMatch(e -> e.job().equals("closed-book"));
            assertThat(closedEvents.stage("retrieve-train")).isEmpty();

            // the kept parameters give the same fused accuracy through the public pipeline
            try (ClassifierReader reader = ClassifierReader.builder().setModel(ragModel).setTextEncoder(G0).build()) {
                Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader).build();
                List<Diagnosis> d = jomed.diagnose(validation.stream().map(TaskExample::query).toList());
                long correct = 0;
                for (int i = 0; i < d.size(); i++) {
                    correct += d.get(i).answer().equals(validation.get(i).goldLabel()) ? 1 : 0;
                }
                assertThat((double) correct / d.size()).isEqualTo(rag.bestValidationAccuracy());
            }
        }
    }

    @Test
    void oneSeedMakesARunReproducibleAndProgressReportsEveryStep() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT));
        Recorder events = new Recorder(-1);
        String first;
        List<Phase1Evaluation> firstHistory;
        try (ClassifierReaderModel m = model(7)) {
            Phase1Result r = training(retriever, m).optTotalSteps(4).optEvaluateEvery(3).optSeed(7).build().train(events);
            first = m.fingerprint();
            firstHistory = r.history();
            assertThat(r.steps()).isEqualTo(4);
            assertThat(r.history()).extracting(Phase1Evaluation::step).containsExactly(3L, 4L);
        }
        try (ClassifierReaderModel m = model(7)) {
            Phase1Result r = training(retriever, m).optTotalSteps(4).optEvaluateEvery(3).optSeed(7).build()
                    .train(ProgressListener.NONE);
            assertThat(m.fingerprint()).isEqualTo(first);
            assertThat(r.history()).isEqualTo(firstHistory);
        }
        try (ClassifierReaderModel m = model(7)) {
            training(retriever, m).optTotalSteps(4).optEvaluateEvery(3).optSeed(8).build().train(ProgressListener.NONE);
            assertThat(m.fingerprint()).isNotEqualTo(first);
        }
        List<ProgressEvent> steps = events.stage("train");
        assertThat(steps).hasSize(4).allMatch(e -> e.job().equals("phase1") && e.total() == 4
                && e.metrics().containsKey("loss") && e.metrics().get("lr") > 0 && e.remaining().isPresent());
        assertThat(steps).extracting(ProgressEvent::completed).containsExactly(1L, 2L, 3L, 4L);
        assertThat(events.stage("evaluate")).hasSize(2).allMatch(e -> e.metrics().containsKey("val_accuracy"));
        assertThat(events.stage("retrieve-train")).last().satisfies(e -> assertThat(e.completed()).isEqualTo(120));
    }

    @Test
    void trainingQueriesLeaveTheirOwnCaseOutAndCanRetrieveWithOutOfFoldEmbeddings() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT));
        try (ClassifierReaderModel m = model(1)) {
            List<List<RetrievedCase>> context = training(retriever, m).build().trainingContext(ProgressListener.NONE);
            assertThat(context).hasSize(train.size());
            for (int i = 0; i < train.size(); i++) {
                List<RetrievedCase> cases = context.get(i);
                String own = train.get(i).id();
                assertThat(cases).extracting(RetrievedCase::head).containsExactly(RetrieverHead.IMAGE, RetrieverHead.IMAGE,
                        RetrieverHead.TEXT, RetrieverHead.TEXT);
                assertThat(cases).extracting(RetrievedCase::caseId).doesNotContain(own);
                // the image head finds the patient's two other images
                assertThat(cases.subList(0, 2)).extracting(RetrievedCase::caseId).allMatch(id -> id.startsWith(own.substring(0, 4)));
            }

            // out-of-fold rows stand in for f0(x): here each patient's row is f0 of the next patient's new image
            Map<String, float[]> oof = new HashMap<>();
            for (TaskExample e : train) {
                int patient = Integer.parseInt(e.id().substring(1, 4));
                oof.put(e.id(), F0.encode(List.of(PATIENTS.image((patient + 1) % 40, 9)))[0]);
            }
            List<List<RetrievedCase>> shifted = training(retriever, m).optOutOfFoldEmbeddings(oof).build()
                    .trainingContext(ProgressListener.NONE);
            for (int i = 0; i < train.size(); i++) {
                int patient = Integer.parseInt(train.get(i).id().substring(1, 4));
                String next = PatientCases.id((patient + 1) % 40, 0).substring(0, 4);
                assertThat(shifted.get(i).subList(0, 2)).extracting(RetrievedCase::caseId).allMatch(id -> id.startsWith(next));
            }
        }
    }

    @Test
    void cancellationStopsBetweenStepsAndLeavesTheInitialParametersWhenNothingWasEvaluated() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE));
        try (ClassifierReaderModel m = model(3)) {
            String initial = m.fingerprint();
            Recorder cancel = new Recorder(3);
            assertThatThrownBy(() -> training(retriever, m).optBatchSize(8).optTotalSteps(50).build().train(cancel))
                    .isInstanceOf(JobCancelledException.class).hasMessageContaining("phase1").hasMessageContaining("3 of 50");
            assertThat(cancel.stage("train")).hasSize(3);
            assertThat(m.fingerprint()).isEqualTo(initial);
        }
    }

    @Test
    void badInputGetsASpecificError() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT));
        try (ClassifierReaderModel m = model(1)) {
            assertThatThrownBy(() -> training(retriever, m).setTrainingExamples(List.of()).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("training set is empty");
            assertThatThrownBy(() -> training(retriever, m).setValidationExamples(List.of()).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validation set is empty");
            List<TaskExample> bad = new ArrayList<>(train);
            bad.set(5, new TaskExample("odd-case", train.get(5).query(), "maybe"));
            assertThatThrownBy(() -> training(retriever, m).setTrainingExamples(bad).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("training example odd-case")
                    .hasMessageContaining("\"maybe\"").hasMessageContaining("[no, yes]");
            List<TaskExample> twice = new ArrayList<>(train);
            twice.add(train.get(0));
            assertThatThrownBy(() -> training(retriever, m).setTrainingExamples(twice).build())
                    .hasMessageContaining(train.get(0).id() + " occurs twice");
            assertThatThrownBy(() -> training(retriever, m).optBatchSize(30).build())
                    .hasMessageContaining("batch size 30 is not a multiple of the 4 rows");
            assertThatThrownBy(() -> training(retriever, m).optOutOfFoldEmbeddings(Map.of()).build())
                    .hasMessageContaining("no out-of-fold embedding for training example " + train.get(0).id());
            assertThatThrownBy(() -> training(retriever, m).setTextEncoder(new HashingTextEncoder(64, "0000000f")).build())
                    .hasMessageContaining("not the one the reader model was made for");
            assertThatThrownBy(() -> Phase1ReaderTraining.builder().setModel(m).build()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("setRetriever");
        }
    }

    @Test
    void aKnowledgeBaseTooSmallForTheExclusionsIsReportedWithTheExample() {
        DualHeadRetriever retriever = retriever(List.of(RetrieverHead.IMAGE));
        try (ClassifierReaderModel m = model(1)) {
            Phase1ReaderTraining t = training(retriever, m).optKPerHead(240).optBatchSize(240).build();
            assertThatThrownBy(() -> t.trainingContext(ProgressListener.NONE)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("found 239 cases for example " + train.get(0).id()).hasMessageContaining("expected 240");
        }
    }
}
