package io.jomed.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
