package io.jomed.retriever.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.testing.BrokenEncoder;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.retriever.testing.ClusteredCases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Report text is patient data: it must never reach a log at INFO or above (slf4j-simple logs INFO+ here). */
class LuceneKnowledgeBaseLoggingTest {

    private static final String SECRET = "zanzibarquokka";

    @TempDir
    Path dir;

    @Test
    void reportTextNeverReachesTheLogAtInfoOrAbove() {
        PixelImageEncoder images = new PixelImageEncoder();
        HashingTextEncoder texts = new HashingTextEncoder();
        List<KnowledgeBaseCase> cases = ClusteredCases.cases(6).stream()
                .map(c -> c.toBuilder().optText("patient " + SECRET + " report").build()).toList();
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(images)
                    .setTextEncoder(texts).build()) {
                kb.ingest(cases, ProgressListener.NONE);
                kb.search(RetrieverHead.TEXT, QueryEmbedding.of(images.encode(ClusteredCases.image(3)),
                        images.fingerprint(), null), RetrievalOptions.DEFAULT);
                kb.delete(cases.get(0).id());
            }
            try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(images)
                    .setTextEncoder(BrokenEncoder.text(texts, BrokenEncoder.Fault.NAN, t -> t.contains(SECRET)))
                    .build()) {
                assertThatThrownBy(() -> kb.ingest(cases, ProgressListener.NONE))
                        .hasMessageNotContaining(SECRET);
            }
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("ingested 6 cases into " + dir).doesNotContain(SECRET);
    }
}
