package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnnVoteTest {
    private static RetrievedCase c(String id, String label, double score, int rank) {
        KnowledgeBaseCase kb = KnowledgeBaseCase.builder().setId(id).setImage(MedicalImage.ofPixels(1, 1, 1, new byte[1]))
                .optMetadata("label", label).build();
        return new RetrievedCase(kb, RetrieverHead.IMAGE, score, rank);
    }

    @Test
    void majorityWinsAndTiesGoToTheLargerScoreSum() {
        KnnVote vote = new KnnVote("label");
        List<RetrievedCase> ranked = List.of(c("a", "1", 0.9, 1), c("b", "0", 0.8, 2), c("c", "0", 0.7, 3), c("d", "1", 0.1, 4));
        assertThat(vote.vote(ranked, 1)).hasValue("1");
        assertThat(vote.vote(ranked, 3)).hasValue("0");
        assertThat(vote.vote(ranked, 4)).hasValue("0"); // 2-2; 0.8+0.7 > 0.9+0.1
        assertThat(vote.vote(List.of(), 3)).isEmpty();
    }

    @Test
    void accuracyPerKAndTheBestKWithTiesToTheSmallerK() {
        KnnVote vote = new KnnVote("label");
        List<RetrievedCase> first = List.of(c("a", "1", 0.9, 1), c("b", "0", 0.8, 2), c("c", "0", 0.7, 3));
        List<RetrievedCase> second = List.of(c("d", "0", 0.9, 1), c("e", "0", 0.8, 2), c("f", "1", 0.7, 3));
        var acc = vote.accuracyByK(List.of(first, second), List.of("0", "0"), 1, 3);
        assertThat(acc).containsExactly(java.util.Map.entry(1, 0.5), java.util.Map.entry(3, 1.0));
        assertThat(KnnVote.bestK(acc)).isEqualTo(3);
        assertThat(KnnVote.bestK(java.util.Map.of(5, 0.8, 3, 0.8, 10, 0.7))).isEqualTo(3);
        assertThatThrownBy(() -> vote.accuracyByK(List.of(first), List.of(), 1)).hasMessageContaining("one gold label per ranked list");
    }

    @Test
    void predictionsAreTheVotesInQueryOrderWithAnEmptyStringForAnEmptyList() {
        KnnVote vote = new KnnVote("label");
        List<RetrievedCase> first = List.of(c("a", "1", 0.9, 1), c("b", "0", 0.8, 2), c("c", "0", 0.7, 3));
        List<RetrievedCase> second = List.of(c("d", "0", 0.9, 1), c("e", "0", 0.8, 2), c("f", "1", 0.7, 3));
        assertThat(vote.predictions(List.of(first, second, List.of()), 1)).containsExactly("1", "0", "");
        assertThat(vote.predictions(List.of(first, second, List.of()), 3)).containsExactly("0", "0", "");
        assertThatThrownBy(() -> vote.predictions(List.of(first), 0)).hasMessageContaining("k must be at least 1, got 0");
        assertThat(KnnVote.accuracy(List.of("0", "1", ""), List.of("0", "0", "0"))).isEqualTo(1.0 / 3);
        assertThatThrownBy(() -> KnnVote.accuracy(List.of("0"), List.of("0", "1"))).hasMessageContaining("1 votes and 2 labels");
    }

    @Test
    void oneHeadKeepsEachQuerysCasesOfThatHeadInRankOrder() {
        RetrievedCase textCase = new RetrievedCase(KnowledgeBaseCase.builder().setId("t")
                .setImage(MedicalImage.ofPixels(1, 1, 1, new byte[1])).optMetadata("label", "1").build(), RetrieverHead.TEXT, 0.5, 1);
        RetrievedCase a = c("a", "0", 0.9, 1);
        RetrievedCase b = c("b", "1", 0.8, 2);
        var image = KnnVote.oneHead(List.of(List.of(a, textCase, b), List.of(textCase)), RetrieverHead.IMAGE);
        assertThat(image).containsExactly(List.of(a, b), List.of());
        assertThat(KnnVote.oneHead(List.of(List.of(a, textCase, b)), RetrieverHead.TEXT)).containsExactly(List.of(textCase));
    }

    @Test
    void aCaseWithoutALabelIsAnError() {
        RetrievedCase unlabelled = new RetrievedCase(KnowledgeBaseCase.builder().setId("x")
                .setImage(MedicalImage.ofPixels(1, 1, 1, new byte[1])).build(), RetrieverHead.IMAGE, 1, 1);
        assertThatThrownBy(() -> new KnnVote("label").vote(List.of(unlabelled), 1))
                .hasMessageContaining("case x has no metadata \"label\"");
    }
}
