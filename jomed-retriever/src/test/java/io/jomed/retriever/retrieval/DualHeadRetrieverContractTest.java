package io.jomed.retriever.retrieval;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverContractTest;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The library's own retriever, on a real on-disk Lucene index, must pass the API's retriever contract. */
class DualHeadRetrieverContractTest extends RetrieverContractTest {
    @TempDir
    Path dir;

    @Override
    protected Retriever createRetriever(List<KnowledgeBaseCase> cases) throws Exception {
        PixelImageEncoder f0 = new PixelImageEncoder();
        LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(Files.createTempDirectory(dir, "kb"))
                .setImageEncoder(f0).setTextEncoder(new HashingTextEncoder()).build();
        if (!cases.isEmpty()) {
            kb.ingest(cases, ProgressListener.NONE);
        }
        DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
        return new Retriever() {
            @Override
            public List<RetrievedCase> retrieve(Query query, RetrievalOptions options) {
                return retriever.retrieve(query, options);
            }

            @Override
            public List<RetrieverHead> heads() {
                return retriever.heads();
            }

            @Override
            public void close() {
                retriever.close();
                kb.close();
            }
        };
    }
}
