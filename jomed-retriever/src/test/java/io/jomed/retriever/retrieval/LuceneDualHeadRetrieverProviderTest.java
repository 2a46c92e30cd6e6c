package io.jomed.retriever.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.RetrieverProvider;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneDualHeadRetrieverProviderTest {
    @TempDir
    Path dir;

    @Test
    void theLibrarysRetrieverIsFoundByNameAndAnswersLikeTheDirectOne() {
        ImageTowerConfig config = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(28, 28, 1))
                .optChannelWidths(8, 16).optConvolutionsPerStage(1).build();
        Path towerFile = dir.resolve("f0.tower");
        Path kbDir = dir.resolve("kb");
        List<KnowledgeBaseCase> cases = SyntheticCases.cases(12);
        List<String> expected;
        try (ImageTower tower = ImageTower.create(config, 5); ImageTowerEncoder f0 = new ImageTowerEncoder(tower);
                MiniLmTextEncoder g0 = MiniLmTextEncoder.create();
                LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(kbDir).setImageEncoder(f0)
                        .setTextEncoder(g0).build()) {
            tower.save(towerFile);
            kb.ingest(cases, ProgressListener.NONE);
            expected = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build()
                    .retrieve(Query.of(cases.get(2).image())).stream().map(RetrievedCase::caseId).toList();
        }
        assertThat(Providers.names(RetrieverProvider.class)).contains(LuceneDualHeadRetrieverProvider.NAME);
        try (Retriever r = Providers.create(RetrieverProvider.class, "lucene-dual-head",
                Map.of("kb", kbDir.toString(), "image-encoder.path", towerFile.toString()))) {
            assertThat(r.retrieve(Query.of(cases.get(2).image())).stream().map(RetrievedCase::caseId).toList())
                    .isEqualTo(expected);
        }
    }

    @Test
    void aMissingKnowledgeBaseFolderIsNamed() {
        assertThatThrownBy(() -> Providers.create(RetrieverProvider.class, "lucene-dual-head",
                Map.of("kb", dir.resolve("nope").toString())))
                .hasMessageContaining("lucene-dual-head").hasMessageContaining("nope").hasMessageContaining("not a folder");
        assertThatThrownBy(() -> Providers.create(RetrieverProvider.class, "lucene-dual-head", Map.of()))
                .hasMessageContaining("needs setting \"kb\"");
    }
}
