package io.jomed.api.training;

import io.jomed.api.reading.Reader;
import io.jomed.api.retrieval.Retriever;
import java.util.Map;

/**
 * What a {@link JointTrainer} produces: the trained retriever and reader, ready for
 * {@link io.jomed.api.Jomed}, and the run's metadata (preset, every override, seed, skipped stages).
 *
 * <p>Owns the retriever and reader: closing it closes them. Safe to use from many threads once built.
 */
public interface TrainedPipeline extends AutoCloseable {
    Retriever retriever();

    Reader reader();

    /** Run metadata, for reports; unmodifiable. */
    Map<String, String> metadata();

    @Override
    void close();
}
