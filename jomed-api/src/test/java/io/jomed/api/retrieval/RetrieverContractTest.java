package io.jomed.api.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.testing.SyntheticCases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Retriever} must meet. Extend it in your module's tests (it ships in the
 * {@code jomed-api} test-jar) and implement {@link #createRetriever(List)}; the suite then checks result
 * shape and order, exclusions, filters, determinism, thread-safety and errors.
 *
 * <p>Each test makes its own retriever; the suite closes it. Not thread-safe itself (JUnit runs one test
 * at a time per instance).
 */
public abstract class RetrieverContractTest {

    private final List<Retriever> opened = new ArrayList<>();

    /** A retriever over a knowledge base holding exactly {@code cases} (possibly none). */
    protected abstract Retriever createRetriever(List<KnowledgeBaseCase> cases) throws Exception;

    /**
     * Whether a case whose image equals the query image must rank first on the image head when the
     * same-image exclusion is off. True for any retriever that compares images; override only with a reason.
     */
    protected boolean identicalImageRanksFirst() {
        return true;
    }

    /** The knowledge base the suite uses: 24 distinct synthetic cases in groups {@code a} and {@code b}. */
    protected List<KnowledgeBaseCase> contractCases() {
        return SyntheticCases.cases(24);
    }

    private Retriever open(List<KnowledgeBaseCase> cases) throws Exception {
        Retriever r = createRetriever(cases);
        opened.add(r);
        return r;
    }

    @AfterEach
    void closeRetrievers() {
        opened.forEach(Retriever::close);
        opened.clear();
    }

    private static Query queryNear(KnowledgeBaseCase c) {
        return Query.of(c.image());
    }

    private static Map<RetrieverHead, List<RetrievedCase>> byHead(List<RetrievedCase> results) {
        return results.stream().collect(Collectors.groupingBy(RetrievedCase::head));
    }

    @Test
    void resultsComeGroupedByHeadInHeadOrderWithConsecutiveRanksAndFallingScores() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        assertThat(retriever.heads()).isNotEmpty().doesNotHaveDuplicates();

        List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(3)),
                RetrievalOptions.builder().optKPerHead(5).build());

        List<RetrieverHead> headOrder = results.stream().map(RetrievedCase::head).distinct().toList();
        assertThat(headOrder).isEqualTo(retriever.heads());
        for (List<RetrievedCase> list : byHead(results).values()) {
            assertThat(list).hasSize(5);
            assertThat(list).extracting(RetrievedCase::rank).containsExactly(1, 2, 3, 4, 5);
            assertThat(list).extracting(RetrievedCase::caseId).doesNotHaveDuplicates();
            for (int i = 1; i < list.size(); i++) {
                assertThat(list.get(i).rawScore()).isLessThanOrEqualTo(list.get(i - 1).rawScore());
            }
        }
        int lastIndexOfFirstHead = -1;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).head() == headOrder.get(0)) {
                assertThat(i).as("results of one head are contiguous").isEqualTo(lastIndexOfFirstHead + 1);
                lastIndexOfFirstHead = i;
            }
        }
    }

    @Test
    void batchRetrievalGivesEachQueryWhatItsOwnRetrievalGives() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(3).build();
        List<Query> queries = List.of(queryNear(cases.get(1)), queryNear(cases.get(5)), queryNear(cases.get(11)));
        List<List<RetrievedCase>> batch = retriever.retrieve(queries, options);
        assertThat(batch).hasSameSizeAs(queries);
        for (int i = 0; i < queries.size(); i++) {
            List<RetrievedCase> single = retriever.retrieve(queries.get(i), options);
            assertThat(batch.get(i)).extracting(RetrievedCase::caseId).as("query %d", i)
                    .containsExactlyElementsOf(single.stream().map(RetrievedCase::caseId).toList());
            for (int j = 0; j < single.size(); j++) {
                assertThat(batch.get(i).get(j).rawScore()).isCloseTo(single.get(j).rawScore(), org.assertj.core.api.Assertions.within(1e-5));
            }
        }
        assertThat(retriever.retrieve(List.of(), options)).isEmpty();
    }

    @Test
    void defaultOptionsGiveTwoCasesPerHead() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(0)));
        assertThat(results).hasSize(2 * retriever.heads().size());
    }

    @Test
    void identicalImageRanksFirstOnTheImageHeadWhenNotExcluded() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        if (!identicalImageRanksFirst() || !retriever.heads().contains(RetrieverHead.IMAGE)) {
            return;
        }
        for (int i : new int[] {0, 7, 19}) {
            List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(i)),
                    RetrievalOptions.builder().optExcludeSameImage(false).optKPerHead(3).build());
            RetrievedCase first = results.stream().filter(r -> r.head() == RetrieverHead.IMAGE).findFirst().orElseThrow();
            assertThat(first.caseId()).isEqualTo(cases.get(i).id());
        }
    }

    @Test
    void theQueryImageItselfIsExcludedByDefault() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        KnowledgeBaseCase own = cases.get(5);
        List<RetrievedCase> results = retriever.retrieve(queryNear(own),
                RetrievalOptions.builder().optKPerHead(cases.size()).build());
        assertThat(results).extracting(RetrievedCase::caseId).doesNotContain(own.id());
        assertThat(results).allSatisfy(r -> assertThat(r.knowledgeBaseCase().image().contentHash())
                .isNotEqualTo(own.image().contentHash()));
    }

    @Test
    void anExcludedCaseIdNeverComesBack() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        List<RetrievedCase> unrestricted = retriever.retrieve(queryNear(cases.get(2)),
                RetrievalOptions.builder().optKPerHead(3).build());
        String top = unrestricted.get(0).caseId();
        List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(2)),
                RetrievalOptions.builder().optKPerHead(3).optExcludeCaseId(top).build());
        assertThat(results).extracting(RetrievedCase::caseId).doesNotContain(top);
        assertThat(results).hasSameSizeAs(unrestricted);
    }

    @Test
    void metadataFiltersRestrictEveryHead() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(1)),
                RetrievalOptions.builder().optKPerHead(6).optFilter("group", "a").build());
        assertThat(results).hasSize(6 * retriever.heads().size());
        assertThat(results).allSatisfy(r -> assertThat(r.knowledgeBaseCase().metadata("group")).hasValue("a"));
    }

    @Test
    void aFilterThatMatchesNothingGivesNoResultsRatherThanAnError() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        assertThat(retriever.retrieve(queryNear(cases.get(1)),
                RetrievalOptions.builder().optFilter("group", "no-such-group").build())).isEmpty();
    }

    @Test
    void kLargerThanTheKnowledgeBaseReturnsEveryEligibleCaseOncePerHead() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        List<RetrievedCase> results = retriever.retrieve(queryNear(cases.get(4)),
                RetrievalOptions.builder().optKPerHead(500).build());
        for (List<RetrievedCase> list : byHead(results).values()) {
            assertThat(list).hasSize(cases.size() - 1);
        }
    }

    @Test
    void retrievedCasesCarryTheStoredContent() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Map<String, KnowledgeBaseCase> byId = cases.stream()
                .collect(Collectors.toMap(KnowledgeBaseCase::id, Function.identity()));
        Retriever retriever = open(cases);
        for (RetrievedCase r : retriever.retrieve(queryNear(cases.get(9)), RetrievalOptions.builder().optKPerHead(4).build())) {
            KnowledgeBaseCase original = byId.get(r.caseId());
            assertThat(original).as("retrieved id %s is a stored case", r.caseId()).isNotNull();
            assertThat(r.knowledgeBaseCase().text()).isEqualTo(original.text());
            assertThat(r.knowledgeBaseCase().metadata()).isEqualTo(original.metadata());
            assertThat(r.knowledgeBaseCase().image().contentHash()).isEqualTo(original.image().contentHash());
        }
    }

    @Test
    void theSameQueryGivesTheSameResults() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(4).build();
        List<RetrievedCase> first = retriever.retrieve(queryNear(cases.get(11)), options);
        List<RetrievedCase> second = retriever.retrieve(queryNear(cases.get(11)), options);
        assertThat(second).extracting(RetrievedCase::caseId).isEqualTo(first.stream().map(RetrievedCase::caseId).toList());
        assertThat(second).extracting(RetrievedCase::rawScore).isEqualTo(first.stream().map(RetrievedCase::rawScore).toList());
    }

    @Test
    void concurrentCallsGiveTheSequentialResults() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(3).build();
        List<List<String>> expected = new ArrayList<>();
        for (KnowledgeBaseCase c : cases) {
            expected.add(retriever.retrieve(queryNear(c), options).stream().map(RetrievedCase::caseId).toList());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (KnowledgeBaseCase c : cases) {
                    futures.add(pool.submit(() -> retriever.retrieve(queryNear(c), options).stream()
                            .map(RetrievedCase::caseId).toList()));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(expected.get(i % cases.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anEmptyKnowledgeBaseIsAClearErrorAtQueryTime() throws Exception {
        Retriever retriever = open(List.of());
        Query query = queryNear(contractCases().get(0));
        assertThatThrownBy(() -> retriever.retrieve(query))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void nullArgumentsAreRejected() throws Exception {
        List<KnowledgeBaseCase> cases = contractCases();
        Retriever retriever = open(cases);
        assertThatThrownBy(() -> retriever.retrieve((Query) null, RetrievalOptions.DEFAULT)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> retriever.retrieve((List<Query>) null, RetrievalOptions.DEFAULT)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> retriever.retrieve(queryNear(cases.get(0)), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        Retriever retriever = createRetriever(contractCases());
        retriever.close();
        retriever.close();
    }
}
