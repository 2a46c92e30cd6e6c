package io.jomed.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.reranking.MajorityVoteReranker;
import io.jomed.api.reranking.ReaderConfidenceReranker;
import io.jomed.api.reranking.Reranker;
import io.jomed.api.reranking.TopRankedReranker;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvidersTest {
    @Test
    void findsARegisteredProviderByNameAndPassesSettings() {
        assertThat(Providers.names(RetrieverProvider.class)).contains("test-pixel-cosine");
        try (Retriever r = Providers.create(RetrieverProvider.class, "test-pixel-cosine", Map.of("n", "5"))) {
            assertThat(r.heads()).containsExactly(RetrieverHead.IMAGE);
        }
    }

    @Test
    void anUnknownNameListsTheAvailableOnes() {
        assertThatThrownBy(() -> Providers.find(RetrieverProvider.class, "lucene-typo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no RetrieverProvider named \"lucene-typo\"")
                .hasMessageContaining("test-pixel-cosine");
    }

    @Test
    void settingsErrorsNameTheSettingAndProvider() {
        ProviderConfig c = ProviderConfig.of("p", Map.of("n", "five"));
        assertThatThrownBy(() -> c.optInt("n", 1)).hasMessageContaining("provider p").hasMessageContaining("\"n\"")
                .hasMessageContaining("five");
        assertThatThrownBy(() -> c.requireString("path")).hasMessageContaining("needs setting \"path\"");
    }

    @Test
    void theBuiltInRerankersAreFoundByName() {
        assertThat(Providers.names(RerankerProvider.class))
                .containsExactly("majority-vote", "reader-confidence", "top-ranked");
        assertThat(Providers.create(RerankerProvider.class, "majority-vote", Map.of()))
                .isInstanceOf(MajorityVoteReranker.class);
        assertThat(Providers.create(RerankerProvider.class, "reader-confidence", Map.of()))
                .isInstanceOf(ReaderConfidenceReranker.class);
        Reranker image = Providers.create(RerankerProvider.class, "top-ranked", Map.of());
        assertThat(image).isInstanceOf(TopRankedReranker.class);
        assertThat(((TopRankedReranker) image).head()).isEqualTo(RetrieverHead.IMAGE);
        Reranker text = Providers.create(RerankerProvider.class, "top-ranked", Map.of("head", "TEXT"));
        assertThat(((TopRankedReranker) text).head()).isEqualTo(RetrieverHead.TEXT);
        assertThat(text.name()).isEqualTo("top-ranked-text");
    }

    @Test
    void anInvalidHeadSettingNamesTheProviderAndTheValue() {
        assertThatThrownBy(() -> Providers.create(RerankerProvider.class, "top-ranked", Map.of("head", "report")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("provider top-ranked: setting \"head\" must be image or text, got \"report\"");
        assertThatThrownBy(() -> Providers.find(RerankerProvider.class, "majority"))
                .hasMessageContaining("no RerankerProvider named \"majority\"")
                .hasMessageContaining("majority-vote");
    }
}
