package io.jomed.training.joint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.JointTrainer;
import io.jomed.api.training.TaskExample;
import io.jomed.api.training.TrainedPipeline;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.training.phase1.PatientCases;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.training.phase2.CheckpointSelection;
import io.jomed.training.phase2.Phase2Settings;
import org.junit.jupiter.api.io.TempDir;

/** The joint trainer through the API's {@link JointTrainer} contract, on synthetic patients (see {@link PatientCases}). */
class SequentialJointTrainerTest {
    @TempDir
    Path dir;

    @Test
    void producesAPipelineWhoseReaderReadsTheRetrievedReportsAndRecordsWhatRan() {
        PixelImageEncoder f0 = new PixelImageEncoder();
        HashingTextEncoder g0 = new HashingTextEncoder();
        PatientCases patients = new PatientCases(60, 9);
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0).setTextEncoder(g0).build()) {
            kb.ingest(patients.cases(3), ProgressListener.NONE);
            DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .optHeads(List.of(RetrieverHead.IMAGE)).build();
            ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(16, 16).setChannels(1)
                    .setTextEncoder(g0.fingerprint()).optConvChannels(8, 16).optModelWidth(32).optLayers(1).optSeed(3).build();
            JointTrainer trainer = SequentialJointTrainer.builder().setRetriever(retriever).setTextEncoder(g0)
                    .setReader(config, PatientCases.LABELS).optPasses(3).optSeed(3).build();
            List<TaskExample> train = patients.trainingExamples(3, 0, 30);
            List<TaskExample> validation = patients.heldOutExamples(7, 30, 60);
            try (TrainedPipeline trained = trainer.train(train, validation, ProgressListener.NONE)) {
                Jomed jomed = Jomed.builder().setRetriever(trained.retriever()).setReader(trained.reader()).build();
                List<Diagnosis> d = jomed.diagnose(validation.stream().map(TaskExample::query).toList());
                long correct = 0;
                for (int i = 0; i < d.size(); i++) {
                    correct += d.get(i).answer().equals(validation.get(i).goldLabel()) ? 1 : 0;
                }
                assertThat((double) correct / d.size()).isGreaterThanOrEqualTo(0.9);
                assertThat(trained.metadata()).containsEntry("seed", "3").containsKey("phase1.best_step")
                        .hasEntrySatisfying("phase2", v -> assertThat(v).startsWith("not run"));
            }
            assertThatThrownBy(() -> trainer.train(List.of(), validation, ProgressListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void withPhase2ThePipelineRetrievesWithTheTrainedHeadsAndTheMetadataSaySo() {
        ImageTowerConfig towerConfig = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(16, 16, 1))
                .optChannelWidths(16, 32).optEmbeddingDimension(32).build();
        HashingTextEncoder g0 = new HashingTextEncoder(32, "0123abcd");
        PatientCases patients = new PatientCases(40, 4);
        try (ImageTower f0 = ImageTower.create(towerConfig, 5); ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0);
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0Encoder)
                        .setTextEncoder(g0).build()) {
            kb.ingest(patients.cases(2), ProgressListener.NONE);
            DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0Encoder).build();
            ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(16, 16).setChannels(1)
                    .setTextEncoder(g0.fingerprint()).optConvChannels(8, 16).optModelWidth(32).optLayers(1).optSeed(3).build();
            Phase2Settings settings = Phase2Settings.builder().optCandidates(8).optQueriesPerStep(4).optPasses(2)
                    .optCheckpointSelection(CheckpointSelection.FIXED_STEP).build();
            JointTrainer trainer = SequentialJointTrainer.builder().setRetriever(retriever).setTextEncoder(g0)
                    .setReader(config, PatientCases.LABELS).optPasses(2).optSeed(3).optPhase2(kb, f0, settings).build();
            List<TaskExample> train = patients.trainingExamples(2, 0, 40);
            List<TaskExample> validation = patients.heldOutExamples(7, 0, 20);
            try (TrainedPipeline trained = trainer.train(train, validation, ProgressListener.NONE)) {
                assertThat(trained.metadata()).containsEntry("phase2.preset", "CLEAN").containsKey("phase2.image.selected_step")
                        .hasEntrySatisfying("phase2.text", v -> assertThat(v).contains("2 distinct keys"));
                DualHeadRetriever heads = (DualHeadRetriever) trained.retriever();
                assertThat(heads.queryEncoder(RetrieverHead.IMAGE).learnedEncoder()).isPresent();
                assertThat(heads.queryEncoder(RetrieverHead.TEXT).learnedEncoder()).isEmpty();
                Jomed jomed = Jomed.builder().setRetriever(trained.retriever()).setReader(trained.reader()).build();
                assertThat(jomed.diagnose(validation.get(0).query()).evidence()).hasSize(4);
            }
        }
    }
}
