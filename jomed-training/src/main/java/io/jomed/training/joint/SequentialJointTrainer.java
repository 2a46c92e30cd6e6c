package io.jomed.training.joint;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.Reader;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.training.JointTrainer;
import io.jomed.api.training.TaskExample;
import io.jomed.api.training.TrainedPipeline;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.phase1.Phase1ReaderTraining;
import io.jomed.training.phase1.Phase1Result;
import io.jomed.training.phase2.Phase2Result;
import io.jomed.training.phase2.Phase2RetrieverTraining;
import io.jomed.training.phase2.Phase2Settings;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The library's {@link JointTrainer}: the phases of method.md §1.3 in order. Phase 1 fine-tunes a new
 * {@link ClassifierReaderModel} with context retrieved by the frozen {@link DualHeadRetriever}
 * ({@link Phase1ReaderTraining}: top 2 per head, the example's own case excluded, one row per retrieved
 * case, class-balanced batches, AdamW with warm-up and cosine, selection on the validation split).
 * With {@link Builder#optPhase2} it then runs phase 2 ({@link Phase2RetrieverTraining}: the text head, then
 * the image head, trained with the frozen phase-1 reader) and the returned pipeline retrieves with the trained
 * heads; without it the heads stay untrained ({@code e_h = f0}) and the metadata say so. The metadata record the
 * seed, phase 1's outcome and phase 2's preset, every setting, every override and each stage's outcome.
 *
 * <p>Immutable; {@link #train} may be called more than once but runs one job at a time (the PyTorch engine
 * trains one model at a time). It does not own the retriever or the text encoder; the returned pipeline
 * owns only the reader model it trained.
 */
public final class SequentialJointTrainer implements JointTrainer {
    private final DualHeadRetriever retriever;
    private final TextEncoder textEncoder;
    private final ClassifierReaderConfig readerConfig;
    private final io.jomed.api.reading.LabelSpace labelSpace;
    private final Map<String, float[]> outOfFold;
    private final int passes;
    private final long seed;
    private final LuceneKnowledgeBase knowledgeBase;
    private final ImageTower f0;
    private final Phase2Settings phase2Settings;

    private SequentialJointTrainer(Builder b) {
        this.retriever = b.retriever;
        this.textEncoder = b.textEncoder;
        this.readerConfig = b.readerConfig;
        this.labelSpace = b.labelSpace;
        this.outOfFold = b.outOfFold;
        this.passes = b.passes;
        this.seed = b.seed;
        this.knowledgeBase = b.knowledgeBase;
        this.f0 = b.f0;
        this.phase2Settings = b.phase2Settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public TrainedPipeline train(List<TaskExample> train, List<TaskExample> validation, ProgressListener listener) {
        ClassifierReaderModel model = ClassifierReaderModel.create(readerConfig, labelSpace);
        try {
            Phase1ReaderTraining.Builder b = Phase1ReaderTraining.builder().setRetriever(retriever).setModel(model)
                    .setTextEncoder(textEncoder).setTrainingExamples(train).setValidationExamples(validation)
                    .optPasses(passes).optSeed(seed);
            if (outOfFold != null) {
                b.optOutOfFoldEmbeddings(outOfFold);
            }
            Phase1Result phase1 = b.build().train(listener);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("preset", phase2Settings == null ? "CLEAN" : phase2Settings.preset().name());
            metadata.put("seed", Long.toString(seed));
            metadata.put("phase1.steps", Long.toString(phase1.steps()));
            metadata.put("phase1.best_step", Long.toString(phase1.bestStep()));
            metadata.put("phase1.best_validation_accuracy", Double.toString(phase1.bestValidationAccuracy()));
            metadata.put("phase1.out_of_fold_training_queries", Boolean.toString(outOfFold != null));
            ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(textEncoder).build();
            if (phase2Settings == null) {
                metadata.put("phase2", "not run: the heads are untrained (e_h = f0); enable it with optPhase2");
                return new Trained(retriever, reader, model, null, Collections.unmodifiableMap(metadata));
            }
            try {
                Phase2RetrieverTraining.Builder p2 = Phase2RetrieverTraining.builder().setKnowledgeBase(knowledgeBase)
                        .setImageKeyTower(f0).setReader(reader).setTrainingExamples(train).setValidationExamples(validation)
                        .optSettings(phase2Settings).optSeed(seed);
                if (outOfFold != null) {
                    p2.optOutOfFoldEmbeddings(outOfFold);
                }
                DualHeadRetriever trained;
                try (Phase2Result phase2 = p2.build().train(listener)) {
                    metadata.putAll(phase2.metadata());
                    DualHeadRetriever.Builder rb = DualHeadRetriever.builder().setKnowledgeBase(knowledgeBase)
                            .setImageKeyEncoder(retriever.queryEncoder(retriever.heads().get(0)).frozenEncoder())
                            .optHeads(retriever.heads()).optAlpha(phase2Settings.alpha());
                    for (Map.Entry<RetrieverHead, ImageTower> e : phase2.towers().entrySet()) {
                        if (retriever.heads().contains(e.getKey())) {
                            ImageTowerEncoder encoder = new ImageTowerEncoder(e.getValue());
                            rb.optTrainedTower(e.getKey(), encoder).optCloseWithRetriever(encoder);
                        }
                    }
                    trained = rb.build();
                }
                return new Trained(trained, reader, model, trained, Collections.unmodifiableMap(metadata));
            } catch (RuntimeException e) {
                reader.close();
                throw e;
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private record Trained(Retriever retriever, Reader reader, ClassifierReaderModel model, DualHeadRetriever owned,
            Map<String, String> metadata) implements TrainedPipeline {
        @Override
        public void close() {
            reader.close();
            model.close();
            if (owned != null) {
                owned.close();
            }
        }
    }

    /** Builder for {@link SequentialJointTrainer}; not thread-safe. */
    public static final class Builder {
        private DualHeadRetriever retriever;
        private TextEncoder textEncoder;
        private ClassifierReaderConfig readerConfig;
        private io.jomed.api.reading.LabelSpace labelSpace;
        private Map<String, float[]> outOfFold;
        private int passes = 8;
        private long seed = 1;
        private LuceneKnowledgeBase knowledgeBase;
        private ImageTower f0;
        private Phase2Settings phase2Settings;

        private Builder() {
        }

        /**
         * Runs phase 2 after phase 1 on this knowledge base (the retriever's) with trainable copies of {@code f0}, the
         * tower whose keys the knowledge base holds.
         */
        public Builder optPhase2(LuceneKnowledgeBase knowledgeBase, ImageTower f0, Phase2Settings settings) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            this.f0 = Objects.requireNonNull(f0, "f0");
            this.phase2Settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Required: the frozen retriever over a knowledge base that holds the training split. */
        public Builder setRetriever(DualHeadRetriever retriever) {
            this.retriever = Objects.requireNonNull(retriever, "retriever");
            return this;
        }

        /** Required: the reader's frozen text encoder. */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Required: the reader to create and train, and the task's labels. */
        public Builder setReader(ClassifierReaderConfig config, io.jomed.api.reading.LabelSpace labelSpace) {
            this.readerConfig = Objects.requireNonNull(config, "config");
            this.labelSpace = Objects.requireNonNull(labelSpace, "labelSpace");
            return this;
        }

        /** Out-of-fold {@code f0} embeddings of the training queries, by example id. */
        public Builder optOutOfFoldEmbeddings(Map<String, float[]> embeddings) {
            this.outOfFold = Map.copyOf(embeddings);
            return this;
        }

        /** Phase-1 passes over the class-balanced training stream; default 8. */
        public Builder optPasses(int passes) {
            if (passes < 1) {
                throw new IllegalArgumentException("passes must be positive, got " + passes);
            }
            this.passes = passes;
            return this;
        }

        /** The run's seed (sampling, dropout); default 1. The reader config carries its own initialisation seed. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public SequentialJointTrainer build() {
            if (retriever == null || textEncoder == null || readerConfig == null) {
                throw new IllegalStateException("retriever, text encoder and reader are required: call setRetriever, "
                        + "setTextEncoder and setReader");
            }
            if (knowledgeBase != null && retriever.knowledgeBase() != knowledgeBase) {
                throw new IllegalArgumentException("phase 2 must train on the retriever's own knowledge base");
            }
            return new SequentialJointTrainer(this);
        }
    }
}
