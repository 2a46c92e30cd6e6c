package io.jomed.retriever.kb;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;

/**
 * A piece of work on one searcher of an index's last commit, and the acquire/release around it shared by
 * {@link LuceneKnowledgeBase} and {@link LuceneKeyIndex}.
 *
 * <p>{@link #on} is thread-safe: each call acquires its own searcher.
 */
@FunctionalInterface
interface SearcherWork<T> {

    T apply(IndexSearcher searcher) throws IOException;

    /**
     * Runs the work on a searcher acquired from the manager and released afterwards.
     *
     * @param index names the index in the message of an I/O failure, e.g. {@code "key index at /x"}
     * @throws UncheckedIOException "reading INDEX failed: ..." when the work or the manager fails with I/O
     */
    static <T> T on(SearcherManager manager, String index, SearcherWork<T> work) {
        try {
            IndexSearcher searcher = manager.acquire();
            try {
                return work.apply(searcher);
            } finally {
                manager.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + index + " failed: " + e.getMessage(), e);
        }
    }
}
