package io.jomed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.diagnosis.LogitFusion;
import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.testing.ConstantReader;
import io.jomed.api.testing.PixelCosineRetriever;
import io.jomed.api.testing.SyntheticCases;
import java.util.List;
import org.junit.jupiter.api.Test;

class JomedTest {
    private final List<KnowledgeBaseCase> cases = SyntheticCases.cases(12);
    private final Jomed jomed = Jomed.builder().setRetriever(new PixelCosineRetriever(cases))
            .setReader(new ConstantReader()).optRetrievalOptions(RetrievalOptions.builder().optKPerHead(3).build()).build();

    @Test
    void diagnosisFusesThePerCaseLogitsWithTheRetrievalWeights() {
        Diagnosis d = jomed.diagnose(Query.of(cases.get(4).image()));
        assertThat(d.evidence()).hasSize(3);
        double[] weights = new LogitFusion(FusionWeighting.CLEAN)
                .weights(d.evidence().stream().map(CasePrediction::evidence).toList());
        float[] fused = LogitFusion.fuse(d.evidence().stream().map(CasePrediction::logits).toList(), weights);
        double[] p = LabelLogits.of(fused).probabilities();
        assertThat(d.probabilities().get("yes")).isCloseTo(p[0], within(1e-9));
        assertThat(d.answer()).isEqualTo(p[0] > p[1] ? "yes" : "no");
        assertThat(d.evidence()).extracting(CasePrediction::fusionWeight).containsExactly(weights[0], weights[1], weights[2]);
        for (CasePrediction cp : d.evidence()) {
            String group = cp.evidence().knowledgeBaseCase().metadata("group").orElseThrow();
            assertThat(cp.predictedLabel()).isEqualTo(group.equals("a") ? "yes" : "no");
        }
        boolean mixed = d.evidence().stream().map(CasePrediction::predictedLabel).distinct().count() > 1;
        assertThat(d.inconsistent()).isEqualTo(mixed);
    }

    @Test
    void batchDiagnosisEqualsOneByOne() {
        List<Query> queries = cases.stream().map(c -> Query.of(c.image())).toList();
        List<Diagnosis> batch = jomed.diagnose(queries);
        for (int i = 0; i < queries.size(); i++) {
            assertThat(batch.get(i)).isEqualTo(jomed.diagnose(queries.get(i)));
        }
    }

    @Test
    void theBuilderNamesWhatIsMissing() {
        assertThatThrownBy(() -> Jomed.builder().setReader(new ConstantReader()).build()).hasMessageContaining("retriever");
        assertThatThrownBy(() -> Jomed.builder().setRetriever(new PixelCosineRetriever(cases)).build())
                .hasMessageContaining("reader");
    }
}
