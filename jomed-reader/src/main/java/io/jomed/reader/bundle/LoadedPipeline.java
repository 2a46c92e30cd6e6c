package io.jomed.reader.bundle;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.TextEncoderProvider;
import io.jomed.api.training.TrainedPipeline;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A diagnosis pipeline opened from a {@link ModelBundle}: the bundle is verified (format version, every file's
 * checksum), f0 and the trained head towers are loaded, the text encoders are re-created through their providers
 * and must have the fingerprints the bundle recorded, the knowledge base (by path or the bundle's copy) must have
 * been built by f0 and g0, and the reader model must be over the bundle's label space.
 *
 * <pre>{@code
 * try (LoadedPipeline pipeline = LoadedPipeline.open(Path.of("bundles/breastmnist-v1"))) {
 *     Diagnosis d = pipeline.diagnose(Query.of(MedicalImage.read(path)));
 * }
 * }</pre>
 *
 * <p>Owns everything it opened (knowledge base, encoders, reader model) and closes it in {@link #close()}. The
 * knowledge base is opened with Lucene's write lock, so one pipeline at a time can hold a given knowledge base.
 * Thread-safe: many threads may call {@link #diagnose} at once; close it only after all calls have returned.
 */
public final class LoadedPipeline implements TrainedPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedPipeline.class);

    private final ModelBundle manifest;
    private final LuceneKnowledgeBase knowledgeBase;
    private final DualHeadRetriever retriever;
    private final ClassifierReader reader;
    private final Jomed jomed;
    private final Map<String, String> metadata;
    private final Deque<AutoCloseable> owned;

    private LoadedPipeline(ModelBundle manifest, LuceneKnowledgeBase knowledgeBase, DualHeadRetriever retriever,
            ClassifierReader reader, Jomed jomed, Deque<AutoCloseable> owned) {
        this.manifest = manifest;
        this.knowledgeBase = knowledgeBase;
        this.retriever = retriever;
        this.reader = reader;
        this.jomed = jomed;
        this.owned = owned;
        Map<String, String> meta = new LinkedHashMap<>();
        manifest.presetName().ifPresent(p -> meta.put("preset", p));
        meta.putAll(manifest.configuration());
        meta.put("bundle.path", manifest.directory().toString());
        meta.put("bundle.formatVersion", Integer.toString(manifest.formatVersion()));
        meta.put("bundle.jomedVersion", manifest.jomedVersion());
        meta.put("bundle.createdAt", manifest.createdAt().toString());
        this.metadata = Collections.unmodifiableMap(meta);
    }

    /** Opens a bundle with the retrieval options, fusion weighting and knowledge base it records. */
    public static LoadedPipeline open(Path bundle) {
        return builder().setBundle(bundle).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The verified manifest the pipeline was opened from. */
    public ModelBundle manifest() {
        return manifest;
    }

    /** The pipeline; owned by this object. */
    public Jomed jomed() {
        return jomed;
    }

    @Override
    public DualHeadRetriever retriever() {
        return retriever;
    }

    @Override
    public ClassifierReader reader() {
        return reader;
    }

    /** The opened knowledge base; owned by this object. */
    public LuceneKnowledgeBase knowledgeBase() {
        return knowledgeBase;
    }

    /** The preset name, the configuration and the bundle's path, format, jomed version and creation time. */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Diagnoses one query; see {@link Jomed#diagnose(Query)}. */
    public Diagnosis diagnose(Query query) {
        return jomed.diagnose(query);
    }

    /** Diagnoses many queries in one batched reader call; see {@link Jomed#diagnose(List)}. */
    public List<Diagnosis> diagnose(List<Query> queries) {
        return jomed.diagnose(queries);
    }

    /** Closes the knowledge base, the reader model and the encoders, in the reverse order of opening. */
    @Override
    public void close() {
        closeAll(owned, null);
    }

    @Override
    public String toString() {
        return "LoadedPipeline[" + manifest + "]";
    }

    private static void closeAll(Deque<AutoCloseable> resources, Throwable primary) {
        RuntimeException failure = null;
        while (!resources.isEmpty()) {
            AutoCloseable c = resources.pop();
            try {
                c.close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (failure == null) {
                    failure = new IllegalStateException("closing " + c + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Builder for {@link LoadedPipeline}; not thread-safe. The bundle folder is required. */
    public static final class Builder {
        private Path bundle;
        private Path knowledgeBaseDirectory;
        private RetrievalOptions retrievalOptions;
        private int readerMaxBatch = 256;

        private Builder() {
        }

        /** Required: the bundle folder. */
        public Builder setBundle(Path bundle) {
            this.bundle = Objects.requireNonNull(bundle, "bundle");
            return this;
        }

        /**
         * Opens the knowledge base in this folder instead of the one the bundle refers to (a knowledge base that was
         * moved); it must still have been built by the bundle's encoders.
         */
        public Builder optKnowledgeBaseDirectory(Path directory) {
            this.knowledgeBaseDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Retrieval options instead of those the bundle records. */
        public Builder optRetrievalOptions(RetrievalOptions options) {
            this.retrievalOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Most reader rows per forward pass; default 256. */
        public Builder optReaderMaxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("reader max batch must be at least 1, got " + maxBatch);
            }
            this.readerMaxBatch = maxBatch;
            return this;
        }

        /**
         * Verifies and opens the bundle.
         *
         * @throws IllegalStateException if no bundle folder was set
         * @throws InvalidBundleException naming the bundle and the file, field or encoder that is wrong: another
         *     format version, a missing or corrupt file, a text encoder whose fingerprint changed, a knowledge base
         *     that is missing or was built by other encoders
         * @throws UncheckedIOException if a file cannot be read
         */
        public LoadedPipeline build() {
            if (bundle == null) {
                throw new IllegalStateException("a bundle folder is required: call setBundle");
            }
            ModelBundle m = ModelBundle.read(bundle);
            Path dir = m.directory();
            Path kbDir = knowledgeBaseDirectory != null ? knowledgeBaseDirectory : m.knowledgeBase().resolve(dir);
            checkKnowledgeBase(m, kbDir);
            Deque<AutoCloseable> owned = new ArrayDeque<>();
            try {
                ImageTowerEncoder f0 = push(owned, ImageTowerEncoder.load(dir.resolve(ModelBundle.IMAGE_KEY_ENCODER_FILE)));
                checkFingerprint(m, "image key encoder f0 (" + ModelBundle.IMAGE_KEY_ENCODER_FILE + ")", f0.fingerprint(),
                        m.imageKeyEncoder());
                DualHeadRetriever.Builder retrieverBuilder = DualHeadRetriever.builder().setImageKeyEncoder(f0)
                        .optAlpha(m.alpha());
                for (Map.Entry<RetrieverHead, EncoderFingerprint> e : m.headTowers().entrySet()) {
                    String file = ModelBundle.headTowerFile(e.getKey());
                    ImageTowerEncoder tower = push(owned, ImageTowerEncoder.load(dir.resolve(file)));
                    checkFingerprint(m, e.getKey() + " head tower (" + file + ")", tower.fingerprint(), e.getValue());
                    retrieverBuilder.optTrainedTower(e.getKey(), tower);
                }
                TextEncoder g0 = push(owned, createTextEncoder(m, "text key encoder g0", m.textKeyEncoder()));
                TextEncoder readerText = m.readerTextEncoder().equals(m.textKeyEncoder()) ? g0
                        : push(owned, createTextEncoder(m, "reader text encoder", m.readerTextEncoder()));
                ClassifierReaderModel model = push(owned, ClassifierReaderModel.load(dir.resolve(ModelBundle.READER_FILE)));
                if (!model.labelSpace().equals(m.labelSpace())) {
                    throw new InvalidBundleException("bundle " + dir + ": " + ModelBundle.READER_FILE + " reads labels "
                            + model.labelSpace() + ", the manifest records " + m.labelSpace());
                }
                LuceneKnowledgeBase kb = push(owned, LuceneKnowledgeBase.builder().setDirectory(kbDir)
                        .setImageEncoder(f0).setTextEncoder(g0).build());
                DualHeadRetriever retriever = push(owned, retrieverBuilder.setKnowledgeBase(kb).build());
                ClassifierReader reader = push(owned, ClassifierReader.builder().setModel(model).setTextEncoder(readerText)
                        .optMaxBatch(readerMaxBatch).build());
                Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader)
                        .optRetrievalOptions(retrievalOptions != null ? retrievalOptions : m.retrievalOptions())
                        .optFusionWeighting(m.fusionWeighting()).build();
                LOG.info("opened model bundle {} (task {}, knowledge base {} with {} cases)", dir, m.task(), kbDir,
                        kb.size());
                return new LoadedPipeline(m, kb, retriever, reader, jomed, owned);
            } catch (RuntimeException | Error e) {
                closeAll(owned, e);
                throw e;
            }
        }

        private static <T extends AutoCloseable> T push(Deque<AutoCloseable> owned, T resource) {
            owned.push(resource);
            return resource;
        }

        private static void checkFingerprint(ModelBundle m, String what, EncoderFingerprint actual,
                EncoderFingerprint expected) {
            if (!actual.equals(expected)) {
                throw new InvalidBundleException("bundle " + m.directory() + ": the " + what + " has fingerprint " + actual
                        + ", the manifest records " + expected);
            }
        }

        private static TextEncoder createTextEncoder(ModelBundle m, String what, EncoderReference ref) {
            TextEncoder encoder;
            try {
                encoder = Providers.create(TextEncoderProvider.class, ref.provider(), ref.settings());
            } catch (IllegalArgumentException e) {
                throw new InvalidBundleException("bundle " + m.directory() + " needs the " + what + " from provider \""
                        + ref.provider() + "\": " + e.getMessage(), e);
            }
            if (!encoder.fingerprint().equals(ref.fingerprint())) {
                EncoderFingerprint actual = encoder.fingerprint();
                encoder.close();
                throw new InvalidBundleException("bundle " + m.directory() + ": the " + what + " made by provider \""
                        + ref.provider() + "\" with settings " + ref.settings() + " has fingerprint " + actual
                        + ", but the bundle was saved with " + ref.fingerprint()
                        + "; the provider's model or settings changed since the bundle was written");
            }
            return encoder;
        }

        /**
         * Fails clearly if the knowledge base is missing or its last commit records other key encoders than the
         * bundle's f0 and g0 (the knowledge base itself would refuse them too, later and with less context).
         */
        private static void checkKnowledgeBase(ModelBundle m, Path kbDir) {
            if (!Files.isDirectory(kbDir)) {
                throw new InvalidBundleException("knowledge base at " + kbDir + " (" + m.knowledgeBase().mode().manifestName()
                        + " mode) of bundle " + m.directory() + " does not exist");
            }
            Set<String> recorded = new TreeSet<>();
            try (Directory directory = FSDirectory.open(kbDir)) {
                if (!DirectoryReader.indexExists(directory)) {
                    throw new InvalidBundleException("knowledge base at " + kbDir + " of bundle " + m.directory()
                            + " holds no Lucene index");
                }
                for (String value : SegmentInfos.readLatestCommit(directory).getUserData().values()) {
                    try {
                        recorded.add(EncoderFingerprint.parse(value).toString());
                    } catch (IllegalArgumentException notAFingerprint) {
                        // other commit data (format version, dimensions)
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read knowledge base at " + kbDir + " of bundle " + m.directory()
                        + ": " + e.getMessage(), e);
            }
            List<String> needed = new ArrayList<>(List.of(m.imageKeyEncoder().toString(),
                    m.textKeyEncoder().fingerprint().toString()));
            if (!recorded.containsAll(needed)) {
                throw new InvalidBundleException("knowledge base at " + kbDir + " was built by other encoders than this"
                        + " bundle: it records " + recorded + ", bundle " + m.directory() + " has image key encoder f0 "
                        + needed.get(0) + " and text key encoder g0 " + needed.get(1)
                        + "; rebuild the knowledge base with the bundle's encoders or open the matching bundle");
            }
        }
    }
}
