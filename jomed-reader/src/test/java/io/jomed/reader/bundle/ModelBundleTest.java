package io.jomed.reader.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.reader.testing.SyntheticReaderData;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {
    private static final ImageTowerConfig TOWER = ImageTowerConfig.builder()
            .setInputSpec(ImageInputSpec.centered(28, 28, 1)).optChannelWidths(4, 8).optConvolutionsPerStage(1)
            .optEmbeddingDimension(16).build();
    private static final HashTextEncoder TEXT = new HashTextEncoder(16);
    private static final EncoderReference TEXT_REFERENCE = EncoderReference.of("test-hash", Map.of("dimension", "16"), TEXT);
    private static final Map<String, String> CONFIGURATION = Map.of("reader.lr", "3e-4", "retrieval.k", "3");
    private static final RetrievalOptions OPTIONS = RetrievalOptions.builder().optKPerHead(3).build();

    @TempDir
    static Path temp;
    private static Path kbDirectory;
    private static Path bundleByPath;
    private static Path bundleCopied;
    private static List<Query> queries;
    private static List<Diagnosis> expected;

    @BeforeAll
    static void buildPipelineAndSaveIt() {
        Random random = new Random(11);
        List<KnowledgeBaseCase> cases = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            cases.add(SyntheticReaderData.reportCase("case-" + i, i % 3, random));
        }
        queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            MedicalImage image = SyntheticReaderData.image(28, 28, 1, 60 + 40 * (i % 3), random);
            queries.add(i % 2 == 0 ? Query.of(image) : Query.of(image, "which label?"));
        }
        kbDirectory = temp.resolve("kb-source");
        bundleByPath = temp.resolve("bundle-path");
        bundleCopied = temp.resolve("bundle-copied");
        try (ImageTower f0 = ImageTower.create(TOWER, 1);
                ImageTower imageHead = ImageTower.create(TOWER, 2);
                ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0);
                ImageTowerEncoder headEncoder = new ImageTowerEncoder(imageHead);
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(kbDirectory).setImageEncoder(f0Encoder)
                        .setTextEncoder(TEXT).build();
                ClassifierReaderModel model = ClassifierReaderModel.create(ClassifierReaderConfig.builder()
                        .setImageSize(28, 28).setChannels(1).setTextEncoder(TEXT.fingerprint()).optConvChannels(8, 16)
                        .optModelWidth(32).optHeads(2).optLayers(1).optSeed(7).build(),
                        SyntheticReaderData.LABELS);
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(TEXT).build()) {
            kb.ingest(cases, ProgressListener.NONE);
            DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0Encoder)
                    .optTrainedTower(RetrieverHead.IMAGE, headEncoder).build();
            Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader).optRetrievalOptions(OPTIONS)
                    .optFusionWeighting(FusionWeighting.REFERENCE).build();
            expected = jomed.diagnose(queries);
            ModelBundleWriter.Builder writer = ModelBundleWriter.builder().setImageKeyEncoder(f0)
                    .setTextKeyEncoder(TEXT_REFERENCE).setReaderModel(model).optHeadTower(RetrieverHead.IMAGE, imageHead)
                    .optPreset("synthetic-test", CONFIGURATION).optRetrievalOptions(OPTIONS)
                    .optFusionWeighting(FusionWeighting.REFERENCE).optCreatedAt(Instant.parse("2025-01-02T03:04:05Z"));
            writer.setKnowledgeBase(kb, KnowledgeBaseMode.PATH).build().write(bundleByPath);
            writer.setKnowledgeBase(kb, KnowledgeBaseMode.COPIED).build().write(bundleCopied);
        }
    }

    @AfterAll
    static void tearDown() {
        TEXT.close();
    }

    private static void assertSameDiagnoses(List<Diagnosis> actual, List<Diagnosis> wanted) {
        assertThat(actual).hasSameSizeAs(wanted);
        for (int i = 0; i < wanted.size(); i++) {
            Diagnosis a = actual.get(i);
            Diagnosis w = wanted.get(i);
            assertThat(a.answer()).as("answer of query %d", i).isEqualTo(w.answer());
            assertThat(a.probabilities().keySet()).containsExactlyElementsOf(w.probabilities().keySet());
            for (String label : w.probabilities().keySet()) {
                assertThat(a.probabilities().get(label)).as("query %d, p(%s)", i, label)
                        .isCloseTo(w.probabilities().get(label), within(1e-5));
            }
            assertThat(a.evidence()).hasSameSizeAs(w.evidence());
            for (int j = 0; j < w.evidence().size(); j++) {
                assertThat(a.evidence().get(j).evidence().knowledgeBaseCase().id()).as("query %d, case %d", i, j)
                        .isEqualTo(w.evidence().get(j).evidence().knowledgeBaseCase().id());
                assertThat(a.evidence().get(j).fusionWeight()).isCloseTo(w.evidence().get(j).fusionWeight(), within(1e-5));
            }
        }
    }

    /** A copy of a bundle that a test may damage; Lucene's lock file is not part of a bundle. */
    private static Path copyOf(Path bundle, String name) throws IOException {
        Path target = temp.resolve(name);
        try (Stream<Path> walk = Files.walk(bundle)) {
            for (Path p : walk.toList()) {
                Path to = target.resolve(bundle.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else if (!p.getFileName().toString().equals("write.lock")) {
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }

    private static void editManifest(Path bundle, String from, String to) throws IOException {
        Path manifest = bundle.resolve(ModelBundle.MANIFEST);
        String json = Files.readString(manifest, StandardCharsets.UTF_8);
        assertThat(json).contains(from);
        Files.writeString(manifest, json.replace(from, to), StandardCharsets.UTF_8);
    }

    @Test
    void bundleByPathGivesTheSameAnswersInAFreshPipeline() {
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundleByPath)) {
            assertSameDiagnoses(pipeline.diagnose(queries), expected);
            assertThat(pipeline.knowledgeBase().directory()).isEqualTo(kbDirectory.toAbsolutePath().normalize());
            assertThat(pipeline.retriever().queryEncoder(RetrieverHead.IMAGE).learnedEncoder()).isPresent();
            assertThat(pipeline.retriever().queryEncoder(RetrieverHead.TEXT).learnedEncoder()).isEmpty();
            assertThat(pipeline.jomed().retrievalOptions()).isEqualTo(OPTIONS);
            assertThat(pipeline.metadata()).containsEntry("preset", "synthetic-test").containsEntry("retrieval.k", "3");
        }
        assertThat(bundleByPath.resolve("kb")).doesNotExist();
    }

    @Test
    void copiedBundleGivesTheSameAnswersOneQueryAtATime() {
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundleCopied)) {
            List<Diagnosis> single = new ArrayList<>();
            for (Query q : queries) {
                single.add(pipeline.diagnose(q));
            }
            assertSameDiagnoses(single, expected);
            assertThat(pipeline.knowledgeBase().directory()).isEqualTo(bundleCopied.toAbsolutePath().resolve("kb"));
            assertThat(pipeline.knowledgeBase().size()).isEqualTo(30);
        }
        // Opening and closing the copied knowledge base changed none of its checksummed files.
        assertThat(ModelBundle.read(bundleCopied).files()).isNotEmpty();
    }

    @Test
    void manifestRecordsEverythingThePipelineNeeds() throws IOException {
        ModelBundle bundle = ModelBundle.read(bundleByPath);
        assertThat(bundle.formatVersion()).isEqualTo(ModelBundle.FORMAT_VERSION);
        assertThat(bundle.jomedVersion()).isNotBlank().isNotEqualTo("unknown").doesNotContain("${");
        assertThat(bundle.createdAt()).isEqualTo(Instant.parse("2025-01-02T03:04:05Z"));
        assertThat(bundle.task()).isEqualTo("synthetic");
        assertThat(bundle.labelSpace()).isEqualTo(SyntheticReaderData.LABELS);
        assertThat(bundle.presetName()).contains("synthetic-test");
        assertThat(bundle.configuration()).isEqualTo(CONFIGURATION);
        assertThat(bundle.imageKeyEncoder().kind()).isEqualTo(ImageTower.KIND);
        assertThat(bundle.headTowers()).containsOnlyKeys(RetrieverHead.IMAGE);
        assertThat(bundle.textKeyEncoder()).isEqualTo(TEXT_REFERENCE);
        assertThat(bundle.readerTextEncoder()).isEqualTo(TEXT_REFERENCE);
        assertThat(bundle.retrievalOptions()).isEqualTo(OPTIONS);
        assertThat(bundle.fusionWeighting()).isEqualTo(FusionWeighting.REFERENCE);
        assertThat(bundle.knowledgeBase()).isEqualTo(new KnowledgeBaseReference(KnowledgeBaseMode.PATH,
                kbDirectory.toAbsolutePath().normalize().toString()));
        assertThat(bundle.files()).containsOnlyKeys("f0.tower", "head-image.tower", "reader.model");
        assertThat(bundle.files().get("reader.model").size()).isEqualTo(Files.size(bundleByPath.resolve("reader.model")));
        String json = Files.readString(bundleByPath.resolve(ModelBundle.MANIFEST));
        assertThat(json).contains("\"mode\" : \"path\"", "\"provider\" : \"test-hash\"", "\"sha256\"");

        ModelBundle copied = ModelBundle.read(bundleCopied);
        assertThat(copied.knowledgeBase()).isEqualTo(new KnowledgeBaseReference(KnowledgeBaseMode.COPIED, "kb/"));
        assertThat(copied.files().keySet()).anyMatch(f -> f.startsWith("kb/segments_"))
                .noneMatch(f -> f.endsWith("write.lock"));
    }

    @Test
    void corruptFileIsNamedWithExpectedAndActualChecksums() throws IOException {
        Path bundle = copyOf(bundleCopied, "corrupt");
        Path model = bundle.resolve("reader.model");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(model, bytes);
        assertThatThrownBy(() -> LoadedPipeline.open(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("file reader.model is corrupt")
                .hasMessageContaining("expected size " + bytes.length + ", sha-256 " + ModelBundle.read(bundleCopied)
                        .files().get("reader.model").sha256())
                .hasMessageContaining("found size " + bytes.length);

        Path kbCorrupt = copyOf(bundleCopied, "corrupt-kb");
        String segments = ModelBundle.read(bundleCopied).files().keySet().stream()
                .filter(f -> f.startsWith("kb/segments_")).findFirst().orElseThrow();
        Files.write(kbCorrupt.resolve(segments), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> LoadedPipeline.open(kbCorrupt)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("file " + segments + " is corrupt");
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Path bundle = copyOf(bundleByPath, "missing");
        Files.delete(bundle.resolve("head-image.tower"));
        assertThatThrownBy(() -> LoadedPipeline.open(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("file head-image.tower listed in manifest.json is missing");
        Files.delete(bundle.resolve(ModelBundle.MANIFEST));
        assertThatThrownBy(() -> LoadedPipeline.open(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("bundle " + bundle + " has no manifest.json");
        assertThatThrownBy(() -> LoadedPipeline.open(temp.resolve("no-such-bundle")))
                .isInstanceOf(InvalidBundleException.class).hasMessageContaining("does not exist");
    }

    @Test
    void otherFormatVersionIsRefusedBeforeAnythingElse() throws IOException {
        Path bundle = copyOf(bundleByPath, "version");
        editManifest(bundle, "\"formatVersion\" : 1,", "\"formatVersion\" : 99,");
        Files.delete(bundle.resolve("reader.model"));
        assertThatThrownBy(() -> ModelBundle.read(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("bundle " + bundle + " has format version 99, this jomed reads 1");
    }

    @Test
    void manifestCannotPointOutsideTheBundle() throws IOException {
        Path bundle = copyOf(bundleByPath, "escape");
        editManifest(bundle, "\"f0.tower\" : {", "\"../kb-source/f0.tower\" : {");
        assertThatThrownBy(() -> ModelBundle.read(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("\"../kb-source/f0.tower\", which is not a plain relative path inside the bundle");
        Path noFiles = copyOf(bundleByPath, "no-f0");
        editManifest(noFiles, "\"f0.tower\" : {", "\"f0-renamed.tower\" : {");
        assertThatThrownBy(() -> ModelBundle.read(noFiles)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("lists no checksum for f0.tower");
    }

    @Test
    void knowledgeBaseOfOtherEncodersIsRefusedClearly() {
        Path otherKb = temp.resolve("kb-other");
        try (ImageTower other = ImageTower.create(TOWER, 3);
                ImageTowerEncoder otherEncoder = new ImageTowerEncoder(other);
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(otherKb).setImageEncoder(otherEncoder)
                        .setTextEncoder(TEXT).build()) {
            kb.ingest(List.of(SyntheticReaderData.reportCase("x", 1, new Random(1))), ProgressListener.NONE);
        }
        assertThatThrownBy(() -> LoadedPipeline.builder().setBundle(bundleByPath).optKnowledgeBaseDirectory(otherKb).build())
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("knowledge base at " + otherKb + " was built by other encoders than this bundle")
                .hasMessageContaining(ModelBundle.read(bundleByPath).imageKeyEncoder().toString());
        assertThatThrownBy(() -> LoadedPipeline.builder().setBundle(bundleByPath)
                .optKnowledgeBaseDirectory(temp.resolve("no-kb")).build())
                .isInstanceOf(InvalidBundleException.class).hasMessageContaining("does not exist");
    }

    @Test
    void textEncoderWhoseFingerprintChangedIsRefused() throws IOException {
        Path bundle = copyOf(bundleByPath, "g0-changed");
        editManifest(bundle, "\"dimension\" : \"16\"", "\"dimension\" : \"32\"");
        assertThatThrownBy(() -> LoadedPipeline.open(bundle)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("text key encoder g0 made by provider \"test-hash\"")
                .hasMessageContaining("but the bundle was saved with " + TEXT.fingerprint());
        Path unknown = copyOf(bundleByPath, "g0-unknown");
        editManifest(unknown, "\"provider\" : \"test-hash\"", "\"provider\" : \"no-such-encoder\"");
        assertThatThrownBy(() -> LoadedPipeline.open(unknown)).isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("no-such-encoder");
    }

    @Test
    void eightThreadsGetTheSingleThreadedResults() throws Exception {
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundleCopied)) {
            List<Diagnosis> single = new ArrayList<>();
            for (Query q : queries) {
                single.add(pipeline.diagnose(q));
            }
            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<Diagnosis>>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < queries.size(); i++) {
                        order.add(i);
                    }
                    Collections.shuffle(order, new Random(t));
                    futures.add(pool.submit(() -> {
                        start.await();
                        Diagnosis[] out = new Diagnosis[queries.size()];
                        for (int i : order) {
                            out[i] = pipeline.diagnose(queries.get(i));
                        }
                        return List.of(out);
                    }));
                }
                start.countDown();
                for (Future<List<Diagnosis>> f : futures) {
                    assertSameDiagnoses(f.get(), single);
                }
            } finally {
                pool.shutdownNow();
            }
            assertSameDiagnoses(single, expected);
        }
    }

    @Test
    void existingFolderIsNeverOverwritten() throws IOException {
        Path existing = temp.resolve("existing");
        Files.createDirectories(existing);
        Files.writeString(existing.resolve("keep.txt"), "mine");
        try (ImageTower f0 = ImageTower.load(bundleByPath.resolve("f0.tower"));
                ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0);
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(kbDirectory).setImageEncoder(f0Encoder)
                        .setTextEncoder(TEXT).build();
                ClassifierReaderModel model = ClassifierReaderModel.load(bundleByPath.resolve("reader.model"))) {
            ModelBundleWriter writer = ModelBundleWriter.builder().setImageKeyEncoder(f0).setTextKeyEncoder(TEXT_REFERENCE)
                    .setReaderModel(model).setKnowledgeBase(kb, KnowledgeBaseMode.COPIED).build();
            assertThatThrownBy(() -> writer.write(existing)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already exists");
            assertThatThrownBy(() -> writer.write(bundleByPath)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already exists");

            try (ImageTower other = ImageTower.create(TOWER, 4)) {
                assertThatThrownBy(() -> ModelBundleWriter.builder().setImageKeyEncoder(other)
                        .setTextKeyEncoder(TEXT_REFERENCE).setReaderModel(model)
                        .setKnowledgeBase(kb, KnowledgeBaseMode.PATH).build())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not from f0");
            }
        }
        assertThat(Files.readString(existing.resolve("keep.txt"))).isEqualTo("mine");
        assertThat(existing.toFile().list()).containsExactly("keep.txt");
        try (Stream<Path> siblings = Files.list(temp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
        ModelBundle.read(bundleByPath); // still intact
    }
}
