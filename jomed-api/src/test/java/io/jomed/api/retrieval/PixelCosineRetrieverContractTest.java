package io.jomed.api.retrieval;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.testing.PixelCosineRetriever;
import java.util.List;

/** Runs the contract suite against the API's own minimal test retriever, which checks the suite itself. */
class PixelCosineRetrieverContractTest extends RetrieverContractTest {
    @Override
    protected Retriever createRetriever(List<KnowledgeBaseCase> cases) {
        return new PixelCosineRetriever(cases);
    }
}
