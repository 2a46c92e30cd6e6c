package io.jomed.retriever.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.IngestSummary;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.testing.BrokenEncoder;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.retriever.testing.ClusteredCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LuceneKnowledgeBaseTest {

    private static final PixelImageEncoder IMAGES = new PixelImageEncoder();
    private static final HashingTextEncoder TEXTS = new HashingTextEncoder();

    @TempDir
    Path dir;

    private LuceneKnowledgeBase open() {
        return open(IMAGES, TEXTS);
    }

    private LuceneKnowledgeBase open(ImageEncoder images, TextEncoder texts) {
        return LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(images).setTextEncoder(texts)
                .optIngestBatchSize(16).build();
    }

    private static QueryEmbedding imageQuery(MedicalImage image) {
        return QueryEmbedding.of(IMAGES.encode(image), IMAGES.fingerprint(), image.contentHash());
    }

    private static List<String> ids(List<RetrievedCase> cases) {
        return cases.stream().map(RetrievedCase::caseId).toList();
    }

    @Test
    void ingestThenReopenGivesTheSameCasesAndResults() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(40);
        QueryEmbedding query = imageQuery(ClusteredCases.image(7));
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(5).build();
        List<RetrievedCase> before;
        try (LuceneKnowledgeBase kb = open()) {
            IngestSummary summary = kb.ingest(cases, ProgressListener.NONE);
            assertThat(summary.added()).isEqualTo(40);
            assertThat(summary.replaced()).isZero();
            before = kb.search(RetrieverHead.IMAGE, query, options);
            assertThat(before).hasSize(5);
        }
        try (LuceneKnowledgeBase kb = open()) {
            assertThat(kb.size()).isEqualTo(40);
            assertThat(kb.directory()).isEqualTo(dir);
            for (KnowledgeBaseCase c : cases) {
                assertThat(kb.find(c.id())).contains(c);
            }
            assertThat(kb.search(RetrieverHead.IMAGE, query, options)).isEqualTo(before);
        }
    }

    @Test
    void storedCaseRoundTripsPixelsTextHashAndMetadataOrder() {
        byte[] rgb = new byte[5 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 37);
        }
        MedicalImage colour = MedicalImage.ofPixels(5, 3, 3, rgb);
        KnowledgeBaseCase c = KnowledgeBaseCase.builder().setId("rgb case #1").setImage(colour)
                .optText("Mild cardiomegaly.").optMetadata("zeta", "1").optMetadata("alpha", "x y")
                .optMetadata("mid", "").build();
        try (LuceneKnowledgeBase kb = open()) {
            kb.upsert(c);
            KnowledgeBaseCase back = kb.find("rgb case #1").orElseThrow();
            assertThat(back).isEqualTo(c);
            assertThat(back.image().channels()).isEqualTo(3);
            assertThat(back.image().contentHash()).isEqualTo(colour.contentHash());
            assertThat(back.metadata().keySet()).containsExactly("zeta", "alpha", "mid");
            assertThat(kb.find("missing")).isEmpty();
            assertThat(kb.key("missing", RetrieverHead.TEXT)).isEmpty();
            assertThat(kb.key("rgb case #1", RetrieverHead.IMAGE)).hasValueSatisfying(
                    k -> assertThat(k).containsExactly(IMAGES.encode(colour)));
            assertThat(kb.key("rgb case #1", RetrieverHead.TEXT)).hasValueSatisfying(
                    k -> assertThat(k).containsExactly(TEXTS.encode("Mild cardiomegaly.")));
        }
    }

    @Test
    void commitUserDataRecordFormatAndEncoders() throws Exception {
        open().close();
        try (FSDirectory d = FSDirectory.open(dir)) {
            Map<String, String> data = SegmentInfos.readLatestCommit(d).getUserData();
            assertThat(data).containsEntry("jomed.kb.format", LuceneKnowledgeBase.FORMAT_VERSION)
                    .containsEntry("jomed.kb.encoder.image", IMAGES.fingerprint().toString())
                    .containsEntry("jomed.kb.encoder.text", TEXTS.fingerprint().toString())
                    .containsEntry("jomed.kb.dimension.image", "64")
                    .containsEntry("jomed.kb.dimension.text", "64");
        }
    }

    @ParameterizedTest
    @EnumSource(RetrieverHead.class)
    void exactRescoringReturnsRawDotProductsOfTheUnnormalisedQuery(RetrieverHead head) {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(30);
        float[] raw = head == RetrieverHead.IMAGE ? IMAGES.encode(ClusteredCases.image(3)) : TEXTS.encode("effusion mild");
        for (int i = 0; i < raw.length; i++) {
            raw[i] = raw[i] * 0.6f + (i % 3 == 0 ? 0.05f : 0f); // not unit length, as a partial-learning mixture
        }
        QueryEmbedding query = QueryEmbedding.of(raw, IMAGES.fingerprint(), null);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, ProgressListener.NONE);
            List<RetrievedCase> hits = kb.search(head, query, RetrievalOptions.builder().optKPerHead(8).build());
            assertThat(hits).hasSize(8);
            for (int i = 0; i < hits.size(); i++) {
                RetrievedCase hit = hits.get(i);
                float[] key = kb.key(hit.caseId(), head).orElseThrow();
                double manual = 0;
                for (int j = 0; j < key.length; j++) {
                    manual += (double) raw[j] * key[j];
                }
                assertThat(hit.rawScore()).isCloseTo(manual, within(1e-6));
                assertThat(hit.rank()).isEqualTo(i + 1);
                assertThat(hit.head()).isEqualTo(head);
                if (i > 0) {
                    assertThat(hit.rawScore()).isLessThanOrEqualTo(hits.get(i - 1).rawScore());
                }
            }
            assertThat(hits).isEqualTo(kb.searchExact(head, query, RetrievalOptions.builder().optKPerHead(8).build()));
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"IMAGE, NONE", "TEXT, NONE", "IMAGE, INT8", "TEXT, INT4"})
    void hnswSearchEqualsExactSearchOnClusteredKeys(RetrieverHead head, KeyQuantization quantization) {
        List<KnowledgeBaseCase> cases = ClusteredCases.clustered("c", 400, 6, 7);
        List<KnowledgeBaseCase> queries = ClusteredCases.clustered("q", 24, 6, 99);
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(10).build();
        // threshold 0: Lucene builds HNSW graphs even for segments this small (it scans them exactly otherwise)
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).optHnswGraphThreshold(0).optIngestBatchSize(64).optKeyQuantization(quantization)
                .build()) {
            // two commits give two segments, so the search spans segments
            kb.ingest(cases.subList(0, 320), ProgressListener.NONE);
            kb.ingest(cases.subList(320, 400), ProgressListener.NONE);
            int found = 0;
            for (KnowledgeBaseCase q : queries) {
                QueryEmbedding query = imageQuery(q.image());
                List<RetrievedCase> approximate = kb.search(head, query, options);
                List<RetrievedCase> exact = kb.searchExact(head, query, options);
                assertThat(exact).hasSize(10);
                assertThat(ids(approximate)).containsExactlyElementsOf(ids(exact));
                List<ScoredCaseId> approximateIds = kb.searchIds(head, query, options);
                List<ScoredCaseId> exactIds = kb.searchExactIds(head, query, options);
                for (int i = 0; i < exact.size(); i++) {
                    assertThat(approximate.get(i).rawScore()).isEqualTo(exact.get(i).rawScore());
                    // the id-only searches rank exactly as the case-loading ones
                    assertThat(approximateIds.get(i)).isEqualTo(new ScoredCaseId(approximate.get(i).knowledgeBaseCase().id(),
                            approximate.get(i).rawScore()));
                    assertThat(exactIds.get(i)).isEqualTo(new ScoredCaseId(exact.get(i).knowledgeBaseCase().id(),
                            exact.get(i).rawScore()));
                }
                found += approximate.size();
            }
            assertThat(found).isEqualTo(queries.size() * 10);
        }
    }

    @Test
    void exclusionsAndMetadataFilters() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(20);
        KnowledgeBaseCase self = cases.get(5);
        QueryEmbedding query = imageQuery(self.image());
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, ProgressListener.NONE);
            RetrievalOptions keepSelf = RetrievalOptions.builder().optExcludeSameImage(false).optKPerHead(3).build();
            assertThat(kb.search(RetrieverHead.IMAGE, query, keepSelf).get(0).caseId()).isEqualTo(self.id());
            assertThat(kb.search(RetrieverHead.IMAGE, query, keepSelf).get(0).rawScore()).isCloseTo(1.0, within(1e-5));

            RetrievalOptions excludeImage = RetrievalOptions.builder().optKPerHead(20).build();
            assertThat(ids(kb.search(RetrieverHead.IMAGE, query, excludeImage))).hasSize(19).doesNotContain(self.id());
            assertThat(ids(kb.searchExact(RetrieverHead.TEXT, query, excludeImage))).hasSize(19)
                    .doesNotContain(self.id());

            // without a content hash the same-image exclusion cannot apply, the id exclusion still does
            QueryEmbedding anonymous = QueryEmbedding.of(query.vector(), IMAGES.fingerprint(), null);
            assertThat(ids(kb.search(RetrieverHead.IMAGE, anonymous, excludeImage))).contains(self.id());
            RetrievalOptions excludeId = keepSelf.toBuilder().optKPerHead(20).optExcludeCaseId(cases.get(0).id()).build();
            assertThat(ids(kb.search(RetrieverHead.IMAGE, anonymous, excludeId))).hasSize(19)
                    .contains(self.id()).doesNotContain(cases.get(0).id());

            RetrievalOptions cluster1 = RetrievalOptions.builder().optKPerHead(20).optFilter("cluster", "1").build();
            List<RetrievedCase> filtered = kb.search(RetrieverHead.TEXT, query, cluster1);
            assertThat(filtered).hasSize(4) // cases 1, 9, 13, 17: case 5 is the query's own image
                    .allSatisfy(r -> assertThat(r.knowledgeBaseCase().metadata("cluster")).contains("1"));
            assertThat(filtered).isEqualTo(kb.searchExact(RetrieverHead.TEXT, query, cluster1));

            RetrievalOptions twoFilters = cluster1.toBuilder().optFilter("label", "0").build();
            assertThat(kb.search(RetrieverHead.IMAGE, query, twoFilters)).isEmpty();
            RetrievalOptions consistent = cluster1.toBuilder().optFilter("label", "1").optExcludeCaseId(cases.get(1).id())
                    .build();
            assertThat(ids(kb.search(RetrieverHead.IMAGE, query, consistent)))
                    .containsExactlyInAnyOrder(cases.get(9).id(), cases.get(13).id(), cases.get(17).id());
            assertThat(kb.search(RetrieverHead.IMAGE, query,
                    RetrievalOptions.builder().optFilter("no-such-key", "x").build())).isEmpty();
        }
    }

    @Test
    void kLargerThanTheKnowledgeBaseReturnsEveryCaseRanked() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(7);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, ProgressListener.NONE);
            RetrievalOptions options = RetrievalOptions.builder().optKPerHead(50).optExcludeSameImage(false).build();
            List<RetrievedCase> hits = kb.search(RetrieverHead.TEXT, imageQuery(cases.get(0).image()), options);
            assertThat(hits).hasSize(7);
            assertThat(hits).extracting(RetrievedCase::rank).containsExactly(1, 2, 3, 4, 5, 6, 7);
            assertThat(ids(hits)).containsExactlyInAnyOrderElementsOf(cases.stream().map(KnowledgeBaseCase::id).toList());
        }
    }

    @Test
    void upsertReplacesAndDeleteRemovesOnce() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(6);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, ProgressListener.NONE);
            KnowledgeBaseCase changed = cases.get(2).toBuilder().setImage(ClusteredCases.image(1234))
                    .optText("completely new report").optMetadata("label", "7").build();
            kb.upsert(changed);
            assertThat(kb.size()).isEqualTo(6);
            assertThat(kb.find(changed.id())).contains(changed);
            assertThat(kb.key(changed.id(), RetrieverHead.TEXT)).hasValueSatisfying(
                    k -> assertThat(k).containsExactly(TEXTS.encode("completely new report")));
            IngestSummary again = kb.ingest(List.of(changed, ClusteredCases.clustered("new", 1, 1, 1).get(0)),
                    ProgressListener.NONE);
            assertThat(again.added()).isEqualTo(1);
            assertThat(again.replaced()).isEqualTo(1);
            assertThat(kb.size()).isEqualTo(7);

            assertThat(kb.delete(changed.id())).isTrue();
            assertThat(kb.delete(changed.id())).isFalse();
            assertThat(kb.find(changed.id())).isEmpty();
            assertThat(kb.size()).isEqualTo(6);
            assertThat(kb.ids()).doesNotContain(changed.id()).hasSize(6);
        }
        try (LuceneKnowledgeBase kb = open()) {
            assertThat(kb.size()).isEqualTo(6);
            assertThat(kb.find(cases.get(2).id())).isEmpty();
        }
    }

    @Test
    void keysSnapshotAndIdsAreSortedAndMatchStoredKeys() {
        List<KnowledgeBaseCase> cases = new ArrayList<>(ClusteredCases.cases(12));
        java.util.Collections.reverse(cases);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, ProgressListener.NONE);
            kb.delete(cases.get(0).id());
            KeyMatrix keys = kb.keys(RetrieverHead.TEXT);
            assertThat(keys.size()).isEqualTo(11);
            assertThat(keys.dimension()).isEqualTo(64);
            assertThat(keys.head()).isEqualTo(RetrieverHead.TEXT);
            assertThat(keys.encoder()).isEqualTo(TEXTS.fingerprint());
            assertThat(keys.ids()).isSorted().isEqualTo(kb.ids()).doesNotContain(cases.get(0).id());
            for (int row = 0; row < keys.size(); row++) {
                String id = keys.ids().get(row);
                assertThat(keys.key(row)).containsExactly(kb.key(id, RetrieverHead.TEXT).orElseThrow());
                assertThat(keys.rowOf(id)).hasValue(row);
            }
            float[] q = keys.key(3);
            assertThat(keys.dot(3, q)).isCloseTo(1.0, within(1e-5));
            assertThat(keys.rowOf(cases.get(0).id())).isEmpty();
        }
    }

    @Test
    void searchOfAnEmptyKnowledgeBaseFailsClearly() {
        try (LuceneKnowledgeBase kb = open()) {
            assertThat(kb.size()).isZero();
            assertThatThrownBy(() -> kb.search(RetrieverHead.IMAGE, imageQuery(ClusteredCases.image(1)),
                    RetrievalOptions.DEFAULT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("knowledge base at " + dir + " is empty: ingest cases first");
            assertThat(kb.ingest(List.of(), ProgressListener.NONE).total()).isZero();
        }
    }

    @Test
    void queriesOfAnotherEncoderOrDimensionAreRefused() {
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(ClusteredCases.cases(5), ProgressListener.NONE);
            PixelImageEncoder other = new PixelImageEncoder(8, "0000000f");
            QueryEmbedding foreign = QueryEmbedding.of(other.encode(ClusteredCases.image(2)), other.fingerprint(), null);
            assertThatThrownBy(() -> kb.search(RetrieverHead.TEXT, foreign, RetrievalOptions.DEFAULT))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(other.fingerprint().toString())
                    .hasMessageContaining(IMAGES.fingerprint().toString());
            QueryEmbedding shortQuery = QueryEmbedding.of(new float[] {1, 0, 0}, IMAGES.fingerprint(), null);
            assertThatThrownBy(() -> kb.searchExact(RetrieverHead.IMAGE, shortQuery, RetrievalOptions.DEFAULT))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dimension 3").hasMessageContaining("dimension 64");
        }
    }

    @Test
    void reopeningWithOtherEncodersFailsNamingBothFingerprintsAndTheDirectory() {
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(ClusteredCases.cases(3), ProgressListener.NONE);
        }
        PixelImageEncoder otherImages = new PixelImageEncoder(8, "0000000f");
        assertThatThrownBy(() -> open(otherImages, TEXTS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining(IMAGES.fingerprint().toString())
                .hasMessageContaining(otherImages.fingerprint().toString());
        HashingTextEncoder otherTexts = new HashingTextEncoder(32, "00000002");
        assertThatThrownBy(() -> open(IMAGES, otherTexts))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(TEXTS.fingerprint().toString())
                .hasMessageContaining(otherTexts.fingerprint().toString());
        try (LuceneKnowledgeBase kb = open()) {
            assertThat(kb.size()).isEqualTo(3);
            assertThat(kb.keyEncoder(RetrieverHead.IMAGE)).isEqualTo(IMAGES.fingerprint());
            assertThat(kb.keyEncoder(RetrieverHead.TEXT)).isEqualTo(TEXTS.fingerprint());
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefusedWhileTheFirstHoldsIt() {
        try (LuceneKnowledgeBase kb = open()) {
            assertThatThrownBy(this::open).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open").hasMessageContaining(dir.toString());
            kb.ingest(ClusteredCases.cases(2), ProgressListener.NONE);
            assertThat(kb.size()).isEqualTo(2);
        }
    }

    @Test
    void closedKnowledgeBaseRefusesCalls() {
        LuceneKnowledgeBase kb = open();
        kb.close();
        kb.close();
        assertThatThrownBy(kb::size).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> kb.upsert(ClusteredCases.cases(1).get(0))).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(value = BrokenEncoder.Fault.class, names = {"NAN", "WRONG_DIMENSION", "NOT_UNIT"})
    void badImageKeysFailNamingTheCaseAndKeepThePreviousCommit(BrokenEncoder.Fault fault) {
        List<KnowledgeBaseCase> first = ClusteredCases.cases(10);
        List<KnowledgeBaseCase> second = ClusteredCases.clustered("more", 40, 3, 5);
        KnowledgeBaseCase bad = second.get(25);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(first, ProgressListener.NONE);
        }
        ImageEncoder broken = BrokenEncoder.image(IMAGES, fault, image -> image.equals(bad.image()));
        try (LuceneKnowledgeBase kb = open(broken, TEXTS)) {
            assertThatThrownBy(() -> kb.ingest(second, ProgressListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("case " + bad.id())
                    .hasMessageContaining("IMAGE")
                    .hasMessageContaining(IMAGES.fingerprint().toString());
            assertThat(kb.size()).isEqualTo(10);
            assertThat(kb.find(second.get(0).id())).isEmpty();
            // still usable: the good cases go in
            IngestSummary ok = kb.ingest(second.subList(0, 20), ProgressListener.NONE);
            assertThat(ok.added()).isEqualTo(20);
            assertThat(kb.size()).isEqualTo(30);
        }
    }

    @Test
    void badTextKeyFailsNamingTheTextHead() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(5);
        KnowledgeBaseCase bad = cases.get(3).toBuilder().optText("poisoned report").build();
        List<KnowledgeBaseCase> input = List.of(cases.get(0), cases.get(1), cases.get(2), bad);
        TextEncoder broken = BrokenEncoder.text(TEXTS, BrokenEncoder.Fault.NAN, "poisoned report"::equals);
        try (LuceneKnowledgeBase kb = open(IMAGES, broken)) {
            assertThatThrownBy(() -> kb.ingest(input, ProgressListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("case " + bad.id() + ": TEXT key")
                    .hasMessageContaining("NaN")
                    .hasMessageNotContaining("poisoned");
            assertThat(kb.size()).isZero();
        }
    }

    @Test
    void encoderFailuresAndBadInputsInTheMiddleCommitNothing() {
        List<KnowledgeBaseCase> base = ClusteredCases.cases(8);
        List<KnowledgeBaseCase> more = ClusteredCases.clustered("m", 50, 4, 3);
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(base, ProgressListener.NONE);
        }
        KnowledgeBaseCase trigger = more.get(30);
        ImageEncoder throwing = BrokenEncoder.image(IMAGES, BrokenEncoder.Fault.THROW, trigger.image()::equals);
        try (LuceneKnowledgeBase kb = open(throwing, TEXTS)) {
            assertThatThrownBy(() -> kb.ingest(more, ProgressListener.NONE)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("injected");
            assertThat(kb.size()).isEqualTo(8);
        }
        try (LuceneKnowledgeBase kb = open()) {
            // a uniform image the encoder refuses, in the middle
            List<KnowledgeBaseCase> withUniform = new ArrayList<>(more);
            withUniform.set(20, more.get(20).toBuilder().setImage(ClusteredCases.uniformImage()).build());
            assertThatThrownBy(() -> kb.ingest(withUniform, ProgressListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(more.get(20).id());
            assertThat(kb.size()).isEqualTo(8);

            // a duplicate id
            List<KnowledgeBaseCase> duplicated = new ArrayList<>(more);
            duplicated.add(more.get(3));
            assertThatThrownBy(() -> kb.ingest(duplicated, ProgressListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("case " + more.get(3).id() + " appears more than once");
            assertThat(kb.size()).isEqualTo(8);

            // the iterator itself fails half way (as a JSONL source does on a bad line)
            Iterable<KnowledgeBaseCase> failing = () -> new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public KnowledgeBaseCase next() {
                    if (i == 35) {
                        throw new IllegalArgumentException("source broke at element 35");
                    }
                    return more.get(i++);
                }
            };
            assertThatThrownBy(() -> kb.ingest(failing, ProgressListener.NONE)).hasMessage("source broke at element 35");
            assertThat(kb.size()).isEqualTo(8);
            assertThat(kb.ids()).containsExactlyElementsOf(base.stream().map(KnowledgeBaseCase::id).toList());

            assertThat(kb.ingest(more, ProgressListener.NONE).added()).isEqualTo(50);
            assertThat(kb.size()).isEqualTo(58);
        }
        try (LuceneKnowledgeBase kb = open()) {
            assertThat(kb.size()).isEqualTo(58);
        }
    }

    @Test
    void cancellationCommitsNothing() {
        List<KnowledgeBaseCase> base = ClusteredCases.cases(5);
        List<KnowledgeBaseCase> more = ClusteredCases.clustered("m", 60, 4, 3);
        AtomicInteger events = new AtomicInteger();
        ProgressListener cancelAfterTwoBatches = new ProgressListener() {
            @Override
            public void onProgress(ProgressEvent event) {
                events.incrementAndGet();
            }

            @Override
            public boolean isCancelled() {
                return events.get() >= 2;
            }
        };
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(base, ProgressListener.NONE);
            assertThatThrownBy(() -> kb.ingest(more, cancelAfterTwoBatches)).isInstanceOf(JobCancelledException.class)
                    .hasMessageContaining("ingest");
            assertThat(events.get()).isEqualTo(2);
            assertThat(kb.size()).isEqualTo(5);
            assertThat(kb.find(more.get(0).id())).isEmpty();
            // cancelled after the last batch, before the commit
            ProgressListener cancelAtEnd = new ProgressListener() {
                private int seen;

                @Override
                public void onProgress(ProgressEvent event) {
                    seen++;
                }

                @Override
                public boolean isCancelled() {
                    return seen == 4;
                }
            };
            assertThatThrownBy(() -> kb.ingest(more, cancelAtEnd)).isInstanceOf(JobCancelledException.class);
            assertThat(kb.size()).isEqualTo(5);
            assertThat(kb.ingest(more, ProgressListener.NONE).added()).isEqualTo(60);
        }
    }

    @Test
    void progressReportsEveryBatchWithTheTotalOfACollection() {
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(40);
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        try (LuceneKnowledgeBase kb = open()) {
            kb.ingest(cases, events::add);
            assertThat(events).extracting(ProgressEvent::completed).containsExactly(16L, 32L, 40L);
            assertThat(events).allSatisfy(e -> {
                assertThat(e.job()).isEqualTo("ingest");
                assertThat(e.total()).isEqualTo(40);
            });
            events.clear();
            Iterable<KnowledgeBaseCase> notACollection = () -> ClusteredCases.clustered("x", 20, 2, 1).iterator();
            IngestSummary summary = kb.ingest(notACollection, events::add);
            assertThat(events).extracting(ProgressEvent::completed).containsExactly(16L, 20L);
            assertThat(events).allSatisfy(e -> assertThat(e.total()).isZero());
            assertThat(summary.added()).isEqualTo(20);
            assertThat(summary.elapsed()).isPositive();
        }
    }

    @Test
    void builderValidatesEveryArgument() throws Exception {
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("directory");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setImageEncoder(null))
                .isInstanceOf(NullPointerException.class).hasMessage("imageEncoder");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setTextEncoder(null))
                .isInstanceOf(NullPointerException.class).hasMessage("textEncoder");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optIngestBatchSize(0))
                .hasMessageContaining("ingestBatchSize must be in [1, 65536], got 0");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optOverFetch(0)).hasMessageContaining("overFetch");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optOverFetch(101)).hasMessageContaining("101");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optHnswMaxConn(0)).hasMessageContaining("hnswMaxConn");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optHnswMaxConn(513)).hasMessageContaining("513");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optHnswBeamWidth(0)).hasMessageContaining("hnswBeamWidth");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optHnswBeamWidth(3201)).hasMessageContaining("3201");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().optHnswGraphThreshold(-1))
                .hasMessageContaining("hnswGraphThreshold");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setImageEncoder(IMAGES).setTextEncoder(TEXTS).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setDirectory");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(dir).setTextEncoder(TEXTS).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setImageEncoder");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setTextEncoder");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(file).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a folder");
        ImageEncoder lying = BrokenEncoder.image(new PixelImageEncoder(4, "00000003"), BrokenEncoder.Fault.NAN, i -> false);
        ImageEncoder wrongDimension = new ImageEncoder() {
            @Override
            public int dimension() {
                return 17;
            }

            @Override
            public io.jomed.api.encoding.EncoderFingerprint fingerprint() {
                return lying.fingerprint();
            }

            @Override
            public float[][] encode(List<MedicalImage> images) {
                return lying.encode(images);
            }

            @Override
            public void close() {
            }
        };
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(dir.resolve("kb")).setImageEncoder(wrongDimension)
                .setTextEncoder(TEXTS).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 17").hasMessageContaining("says 16");
        try (FSDirectory d = FSDirectory.open(dir)) {
            assertThat(DirectoryReader.indexExists(d)).isFalse();
        }
    }
}
