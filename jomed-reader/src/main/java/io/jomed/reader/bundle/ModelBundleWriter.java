package io.jomed.reader.bundle;

import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.TextEncoderProvider;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.QueryEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link ModelBundle} (layout in its javadoc): every part is written into a temporary sibling folder,
 * checksummed, and the folder is then renamed atomically to the bundle's name, so a failed write leaves nothing
 * behind and a reader never sees half a bundle. An existing folder is never overwritten.
 *
 * <pre>{@code
 * ModelBundle bundle = ModelBundleWriter.builder()
 *         .setImageKeyEncoder(f0Tower)
 *         .setTextKeyEncoder(EncoderReference.of("minilm-l6-v2-q", Map.of(), g0))
 *         .setReaderModel(readerModel)
 *         .setKnowledgeBase(kb, KnowledgeBaseMode.PATH)
 *         .optPreset("paper", configuration)
 *         .build()
 *         .write(Path.of("bundles/breastmnist-v1"));
 * }</pre>
 *
 * <p>A copied knowledge base is copied from its last commit (the files of that Lucene commit point only); the
 * write fails if the knowledge base commits while it is being copied. The writer reads the towers, the reader
 * model and the knowledge base it was given, which it does not own: they must not be trained or written while
 * {@link #write} runs. Instances hold no state of their own and may be used from several threads otherwise.
 */
public final class ModelBundleWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ModelBundleWriter.class);

    private final ImageTower imageKeyEncoder;
    private final Map<RetrieverHead, ImageTower> headTowers;
    private final EncoderReference textKeyEncoder;
    private final EncoderReference readerTextEncoder;
    private final ClassifierReaderModel readerModel;
    private final LuceneKnowledgeBase knowledgeBase;
    private final KnowledgeBaseMode knowledgeBaseMode;
    private final String presetName;
    private final Map<String, String> configuration;
    private final double alpha;
    private final RetrievalOptions retrievalOptions;
    private final FusionWeighting fusionWeighting;
    private final Instant createdAt;

    private ModelBundleWriter(Builder b) {
        this.imageKeyEncoder = b.imageKeyEncoder;
        this.headTowers = new EnumMap<>(b.headTowers);
        this.textKeyEncoder = b.textKeyEncoder;
        this.readerTextEncoder = b.readerTextEncoder == null ? b.textKeyEncoder : b.readerTextEncoder;
        this.readerModel = b.readerModel;
        this.knowledgeBase = b.knowledgeBase;
        this.knowledgeBaseMode = b.knowledgeBaseMode;
        this.presetName = b.presetName;
        this.configuration = new TreeMap<>(b.configuration);
        this.alpha = b.alpha;
        this.retrievalOptions = b.retrievalOptions;
        this.fusionWeighting = b.fusionWeighting;
        this.createdAt = b.createdAt == null ? Instant.now() : b.createdAt;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes the bundle to a new folder.
     *
     * @return the description of the written bundle, as {@link ModelBundle#read} would return it
     * @throws IllegalArgumentException if {@code directory} already exists (nothing is overwritten)
     * @throws IllegalStateException if the knowledge base committed while it was being copied
     * @throws UncheckedIOException if a file cannot be written; nothing is left behind
     */
    public ModelBundle write(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Path target = directory.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("bundle folder " + target
                    + " already exists; a bundle is never overwritten: choose a new folder or delete this one");
        }
        Path parent = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            imageKeyEncoder.save(tmp.resolve(ModelBundle.IMAGE_KEY_ENCODER_FILE));
            Map<RetrieverHead, EncoderFingerprint> headFingerprints = new EnumMap<>(RetrieverHead.class);
            for (Map.Entry<RetrieverHead, ImageTower> e : headTowers.entrySet()) {
                e.getValue().save(tmp.resolve(ModelBundle.headTowerFile(e.getKey())));
                headFingerprints.put(e.getKey(), e.getValue().fingerprint());
            }
            readerModel.save(tmp.resolve(ModelBundle.READER_FILE));
            KnowledgeBaseReference kbReference;
            if (knowledgeBaseMode == KnowledgeBaseMode.COPIED) {
                copyLastCommit(knowledgeBase.directory(), tmp.resolve("kb"));
                kbReference = new KnowledgeBaseReference(KnowledgeBaseMode.COPIED, KnowledgeBaseReference.COPIED_FOLDER);
            } else {
                kbReference = new KnowledgeBaseReference(KnowledgeBaseMode.PATH,
                        knowledgeBase.directory().toAbsolutePath().normalize().toString());
            }
            Map<String, BundleFile> files = checksums(tmp);
            ModelBundle bundle = new ModelBundle(target, ModelBundle.libraryVersion(), createdAt,
                    readerModel.labelSpace(), presetName, configuration, imageKeyEncoder.fingerprint(), headFingerprints,
                    textKeyEncoder, readerTextEncoder, alpha, retrievalOptions, fusionWeighting, kbReference, files);
            Files.write(tmp.resolve(ModelBundle.MANIFEST), bundle.toJson());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                throw new IllegalArgumentException("bundle folder " + target
                        + " appeared while the bundle was being written; it was not overwritten", e);
            }
            tmp = null;
            LOG.info("wrote model bundle {} ({} files, knowledge base {})", target, files.size(),
                    kbReference.mode().manifestName());
            return bundle;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model bundle " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteRecursively(tmp);
            }
        }
    }

    /** Copies the files of the last commit point of the Lucene index in {@code from}. */
    private static void copyLastCommit(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Directory dir = FSDirectory.open(from)) {
            SegmentInfos commit = SegmentInfos.readLatestCommit(dir);
            Collection<String> names = commit.files(true);
            for (String name : names) {
                Files.copy(from.resolve(name), to.resolve(name));
            }
            long now = SegmentInfos.getLastCommitGeneration(dir);
            if (now != commit.getGeneration()) {
                throw new IllegalStateException("knowledge base at " + from + " committed (generation "
                        + commit.getGeneration() + " -> " + now + ") while it was being copied into the bundle;"
                        + " write the bundle again when no ingest runs");
            }
            LOG.debug("copied {} files of commit generation {} of {}", names.size(), commit.getGeneration(), from);
        }
    }

    private static Map<String, BundleFile> checksums(Path root) throws IOException {
        Map<String, BundleFile> out = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String name = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
            if (!name.equals(ModelBundle.MANIFEST)) {
                out.put(name, ModelBundle.checksum(f));
            }
        }
        return out;
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete the temporary bundle folder {}: {}", root, e.toString());
        }
    }

    /**
     * Builder for {@link ModelBundleWriter}; not thread-safe. Required: image key encoder, text key encoder, reader
     * model and knowledge base.
     */
    public static final class Builder {
        private ImageTower imageKeyEncoder;
        private final Map<RetrieverHead, ImageTower> headTowers = new EnumMap<>(RetrieverHead.class);
        private EncoderReference textKeyEncoder;
        private EncoderReference readerTextEncoder;
        private ClassifierReaderModel readerModel;
        private LuceneKnowledgeBase knowledgeBase;
        private KnowledgeBaseMode knowledgeBaseMode;
        private String presetName;
        private Map<String, String> configuration = Map.of();
        private double alpha = QueryEncoder.DEFAULT_ALPHA;
        private RetrievalOptions retrievalOptions = RetrievalOptions.DEFAULT;
        private FusionWeighting fusionWeighting = FusionWeighting.CLEAN;
        private Instant createdAt;

        private Builder() {
        }

        /** Required: the frozen image key encoder f0 that built the knowledge base's image keys. */
        public Builder setImageKeyEncoder(ImageTower f0) {
            this.imageKeyEncoder = Objects.requireNonNull(f0, "f0");
            return this;
        }

        /** Required: how to re-create the frozen text key encoder g0 that built the report keys. */
        public Builder setTextKeyEncoder(EncoderReference g0) {
            this.textKeyEncoder = Objects.requireNonNull(g0, "g0");
            return this;
        }

        /** Required: the reader model. */
        public Builder setReaderModel(ClassifierReaderModel model) {
            this.readerModel = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Required: the knowledge base, and whether the bundle refers to it by path or holds a copy. */
        public Builder setKnowledgeBase(LuceneKnowledgeBase knowledgeBase, KnowledgeBaseMode mode) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            this.knowledgeBaseMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** How to re-create the reader's text encoder; default the text key encoder g0. */
        public Builder optReaderTextEncoder(EncoderReference encoder) {
            this.readerTextEncoder = Objects.requireNonNull(encoder, "encoder");
            return this;
        }

        /** A head's trained query tower f_theta,h (phase 2); without one the head queries with f0. */
        public Builder optHeadTower(RetrieverHead head, ImageTower tower) {
            headTowers.put(Objects.requireNonNull(head, "head"), Objects.requireNonNull(tower, "tower"));
            return this;
        }

        /** The preset name and the full configuration (string values) the pipeline was trained with. */
        public Builder optPreset(String name, Map<String, String> configuration) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(configuration, "configuration");
            if (name.isBlank()) {
                throw new IllegalArgumentException("preset name is blank");
            }
            configuration.forEach((k, v) -> {
                Objects.requireNonNull(k, "configuration key");
                Objects.requireNonNull(v, () -> "value of configuration key " + k);
            });
            this.presetName = name;
            this.configuration = Map.copyOf(configuration);
            return this;
        }

        /** Weight of the trained towers in the query embedding; default 0.15. */
        public Builder optAlpha(double alpha) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
            }
            this.alpha = alpha;
            return this;
        }

        /** The pipeline's retrieval options; default {@link RetrievalOptions#DEFAULT}. No per-query case id. */
        public Builder optRetrievalOptions(RetrievalOptions options) {
            Objects.requireNonNull(options, "options");
            if (options.excludeCaseId().isPresent()) {
                throw new IllegalArgumentException("a bundle's retrieval options cannot exclude a case id ("
                        + options.excludeCaseId().get() + "): that is a per-query setting");
            }
            this.retrievalOptions = options;
            return this;
        }

        /** Default {@link FusionWeighting#CLEAN}. */
        public Builder optFusionWeighting(FusionWeighting weighting) {
            this.fusionWeighting = Objects.requireNonNull(weighting, "weighting");
            return this;
        }

        /** The creation time recorded in the manifest; default the time of {@link #build()}. */
        public Builder optCreatedAt(Instant createdAt) {
            this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
            return this;
        }

        /**
         * @throws IllegalStateException if a required setting is missing
         * @throws IllegalArgumentException if the parts do not fit together: a knowledge base built by other
         *     encoders, a reader made for another text encoder, a head tower of another dimension, or a text
         *     encoder provider that is not on the class path
         */
        public ModelBundleWriter build() {
            if (imageKeyEncoder == null) {
                throw new IllegalStateException("the image key encoder f0 is required: call setImageKeyEncoder");
            }
            if (textKeyEncoder == null) {
                throw new IllegalStateException("the text key encoder g0 is required: call setTextKeyEncoder");
            }
            if (readerModel == null) {
                throw new IllegalStateException("the reader model is required: call setReaderModel");
            }
            if (knowledgeBase == null) {
                throw new IllegalStateException("the knowledge base is required: call setKnowledgeBase");
            }
            EncoderFingerprint f0 = imageKeyEncoder.fingerprint();
            if (!knowledgeBase.keyEncoder(RetrieverHead.IMAGE).equals(f0)) {
                throw new IllegalArgumentException("knowledge base at " + knowledgeBase.directory()
                        + " has image keys from " + knowledgeBase.keyEncoder(RetrieverHead.IMAGE) + ", not from f0 " + f0);
            }
            if (!knowledgeBase.keyEncoder(RetrieverHead.TEXT).equals(textKeyEncoder.fingerprint())) {
                throw new IllegalArgumentException("knowledge base at " + knowledgeBase.directory()
                        + " has report keys from " + knowledgeBase.keyEncoder(RetrieverHead.TEXT) + ", not from g0 "
                        + textKeyEncoder.fingerprint());
            }
            EncoderReference readerText = readerTextEncoder == null ? textKeyEncoder : readerTextEncoder;
            if (!readerModel.config().textEncoder().equals(readerText.fingerprint())) {
                throw new IllegalArgumentException("the reader model was made for text encoder "
                        + readerModel.config().textEncoder() + ", but the bundle's reader text encoder is " + readerText
                        + (readerTextEncoder == null ? " (g0; call optReaderTextEncoder if the reader uses another)" : ""));
            }
            for (Map.Entry<RetrieverHead, ImageTower> e : headTowers.entrySet()) {
                if (e.getValue().dimension() != imageKeyEncoder.dimension()) {
                    throw new IllegalArgumentException("the " + e.getKey() + " head tower has dimension "
                            + e.getValue().dimension() + ", f0 has " + imageKeyEncoder.dimension());
                }
            }
            Providers.find(TextEncoderProvider.class, textKeyEncoder.provider());
            Providers.find(TextEncoderProvider.class, readerText.provider());
            return new ModelBundleWriter(this);
        }
    }
}
