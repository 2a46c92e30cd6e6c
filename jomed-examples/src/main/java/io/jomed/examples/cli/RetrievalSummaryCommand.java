package io.jomed.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jomed.training.evaluation.KnnTestVotes;
import io.jomed.training.evaluation.RetrievalSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jomed retrieval-summary}: sums up the runs of one or more {@code retrieval-eval} report files per dataset
 * ({@link RetrievalSummary}), optionally for some seeds only, so that seeds run in separate jobs can be summed up
 * together and a subset of seeds can be looked at without running it again.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "retrieval-summary", mixinStandardHelpOptions = true,
        description = "Sum up retrieval-eval report files over seeds: per dataset, the image head's mean test k-NN "
                + "accuracy with its 95% bootstrap interval over test images, right answers out of all, the spread over "
                + "seeds, and the paired difference to raw-pixel k-NN.")
final class RetrievalSummaryCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "REPORT", description = "JSON reports written by retrieval-eval --report.")
    List<Path> reports;

    @Option(names = "--seeds", split = ",", description = "Only these seeds (default: every seed in the reports).")
    List<Long> seeds;

    @Option(names = "--dataset", split = ",", description = "Only these datasets (default: every dataset in the reports).")
    List<String> datasets;

    @Override
    public Integer call() throws IOException {
        List<RetrievalSummary.SeedRun> runs = new ArrayList<>();
        for (Path file : reports) {
            for (RetrievalSummary.SeedRun run : read(file)) {
                if ((seeds == null || seeds.contains(run.seed())) && (datasets == null || datasets.contains(run.dataset()))) {
                    runs.add(run);
                }
            }
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no run in " + reports + " matches" + (datasets == null ? "" : " datasets " + datasets)
                    + (seeds == null ? "" : " seeds " + seeds));
        }
        System.out.print(RetrievalEvalCommand.summaryTable(RetrievalSummary.byDatasetOfSeeds(runs)));
        return 0;
    }

    /** The runs of one report file, each with what a summary needs. */
    static List<RetrievalSummary.SeedRun> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no such report file");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a JSON report (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage());
        }
        if (root == null || !RetrievalEvalCommand.KIND.equals(root.path("kind").asText())) {
            throw new IllegalArgumentException(file + ": not a retrieval-eval report (its \"kind\" is \""
                    + (root == null ? "" : root.path("kind").asText()) + "\")");
        }
        JsonNode runs = root.path("runs");
        if (!runs.isArray()) {
            throw new IllegalArgumentException(file + ": field \"runs\" is missing or not an array");
        }
        List<RetrievalSummary.SeedRun> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            JsonNode run = runs.get(i);
            String where = file + ": runs[" + i + "]";
            String dataset = text(run, "dataset", where);
            long seed = number(run, "seed", where).asLong();
            where += " (" + dataset + " seed " + seed + ")";
            int k = number(run.path("k_selection"), "k", where + ".k_selection").asInt();
            JsonNode votes = run.path("test_votes");
            if (votes.isMissingNode()) {
                throw new IllegalArgumentException(where + " has no \"test_votes\": the report was written before "
                        + "retrieval-eval recorded them; run retrieval-eval again");
            }
            JsonNode textHead = number(run.path("text_head_test"), String.valueOf(k), where + ".text_head_test");
            try {
                out.add(new RetrievalSummary.SeedRun(dataset, seed, new KnnTestVotes(labels(votes, "gold", where),
                        labels(votes, "image_head", where), labels(votes, "raw_pixel", where)), textHead.asDouble()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isTextual()) {
            throw new IllegalArgumentException(where + ": field \"" + field + "\" is missing or not a string");
        }
        return value.asText();
    }

    private static JsonNode number(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isNumber()) {
            throw new IllegalArgumentException(where + ": field \"" + field + "\" is missing or not a number");
        }
        return value;
    }

    private static List<String> labels(JsonNode votes, String field, String where) {
        JsonNode array = votes.path(field);
        if (!array.isArray()) {
            throw new IllegalArgumentException(where + ".test_votes: field \"" + field + "\" is missing or not an array");
        }
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isTextual()) {
                throw new IllegalArgumentException(where + ".test_votes." + field + "[" + i + "] is not a string");
            }
            out.add(array.get(i).asText());
        }
        return out;
    }
}
