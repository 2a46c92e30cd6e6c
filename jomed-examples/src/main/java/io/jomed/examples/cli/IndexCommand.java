package io.jomed.examples.cli;

import io.jomed.api.kb.IngestSummary;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.kb.jsonl.JsonlCaseSource;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed index}: ingests a JSONL file of cases into a Lucene knowledge base (created if absent), with
 * a saved image tower as {@code f0} and MiniLM as {@code g0}. One atomic commit: a bad line leaves the
 * knowledge base as it was.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Ingest a JSONL file ({\"id\", \"img_path\", \"text\", ...} per line) into a knowledge base.")
final class IndexCommand implements Callable<Integer> {

    @Option(names = "--jsonl", required = true, description = "The JSONL file of cases.")
    Path jsonl;

    @Option(names = "--image-root", required = true, description = "Folder that img_path values resolve under.")
    Path imageRoot;

    @Option(names = "--kb", required = true, description = "Knowledge-base folder (created if absent).")
    Path kb;

    @Option(names = "--image-encoder", required = true, description = "A saved image tower (f0), e.g. from a bundle's f0.tower.")
    Path tower;

    @Override
    public Integer call() {
        ConsoleProgress progress = new ConsoleProgress(System.err);
        try (ImageTowerEncoder f0 = ImageTowerEncoder.load(tower); MiniLmTextEncoder g0 = MiniLmTextEncoder.create();
                LuceneKnowledgeBase base = LuceneKnowledgeBase.builder().setDirectory(kb).setImageEncoder(f0)
                        .setTextEncoder(g0).build()) {
            IngestSummary s = base.ingest(JsonlCaseSource.builder().setFile(jsonl).setImageRoot(imageRoot).build(), progress);
            System.out.printf(Locale.ROOT, "%d cases ingested (%d added, %d replaced) in %.1f s; the knowledge base holds %d%n",
                    s.total(), s.added(), s.replaced(), s.elapsed().toMillis() / 1000.0, base.size());
        }
        return 0;
    }
}
