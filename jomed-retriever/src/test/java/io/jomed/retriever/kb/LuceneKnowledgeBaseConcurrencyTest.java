package io.jomed.retriever.kb;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.retriever.testing.ClusteredCases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneKnowledgeBaseConcurrencyTest {

    private static final PixelImageEncoder IMAGES = new PixelImageEncoder();
    private static final HashingTextEncoder TEXTS = new HashingTextEncoder();
    private static final int BASE = 60;
    private static final int ROUNDS = 8;
    private static final int PER_ROUND = 20;

    @TempDir
    Path dir;

    @Test
    void eightSearchersSeeOnlyCommittedStatesWhileOneThreadIngests() throws Exception {
        List<KnowledgeBaseCase> base = ClusteredCases.clustered("base", BASE, 4, 1);
        List<KnowledgeBaseCase> extra = ClusteredCases.clustered("extra", ROUNDS * PER_ROUND, 4, 2);
        Map<String, KnowledgeBaseCase> known = new HashMap<>();
        base.forEach(c -> known.put(c.id(), c));
        extra.forEach(c -> known.put(c.id(), c));
        Set<Integer> committedSizes = ConcurrentHashMap.newKeySet();
        for (int r = 0; r <= ROUNDS; r++) {
            committedSizes.add(BASE + r * PER_ROUND);
        }
        List<QueryEmbedding> queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            var image = ClusteredCases.image(500 + i);
            queries.add(QueryEmbedding.of(IMAGES.encode(image), IMAGES.fingerprint(), image.contentHash()));
        }
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(5).build();

        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).optIngestBatchSize(8).build()) {
            kb.ingest(base, ProgressListener.NONE);
            ExecutorService pool = Executors.newFixedThreadPool(9);
            AtomicBoolean writing = new AtomicBoolean(true);
            CountDownLatch started = new CountDownLatch(8);
            try {
                List<Future<Integer>> searchers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    QueryEmbedding query = queries.get(t);
                    RetrieverHead head = t % 2 == 0 ? RetrieverHead.IMAGE : RetrieverHead.TEXT;
                    searchers.add(pool.submit(() -> {
                        started.countDown();
                        int searches = 0;
                        // keep searching while the writer works, and at least a few times
                        while (writing.get() || searches < 5) {
                            int size = kb.size();
                            assertThat(committedSizes).contains(size);
                            List<RetrievedCase> hits = kb.search(head, query, options);
                            assertThat(hits).hasSize(5);
                            for (int i = 0; i < hits.size(); i++) {
                                RetrievedCase hit = hits.get(i);
                                assertThat(hit.rank()).isEqualTo(i + 1);
                                assertThat(hit.knowledgeBaseCase()).isEqualTo(known.get(hit.caseId()));
                                float[] key = head == RetrieverHead.IMAGE
                                        ? IMAGES.encode(hit.knowledgeBaseCase().image())
                                        : TEXTS.encode(hit.knowledgeBaseCase().text());
                                assertThat(hit.rawScore()).isEqualTo(query.dot(key));
                                if (i > 0) {
                                    assertThat(hit.rawScore()).isLessThanOrEqualTo(hits.get(i - 1).rawScore());
                                }
                            }
                            searches++;
                        }
                        return searches;
                    }));
                }
                Future<?> writer = pool.submit(() -> {
                    try {
                        started.await();
                        for (int r = 0; r < ROUNDS; r++) {
                            kb.ingest(extra.subList(r * PER_ROUND, (r + 1) * PER_ROUND), ProgressListener.NONE);
                        }
                    } finally {
                        writing.set(false);
                    }
                    return null;
                });
                writer.get(120, TimeUnit.SECONDS);
                for (Future<Integer> f : searchers) {
                    assertThat(f.get(120, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(5);
                }
            } finally {
                writing.set(false);
                pool.shutdownNow();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(kb.size()).isEqualTo(BASE + ROUNDS * PER_ROUND);
        }
    }
}
