package io.jomed.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.training.evaluation.KnnKSelection;
import io.jomed.training.evaluation.KnnTestVotes;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.RetrievalReport;
import io.jomed.training.evaluation.RetrievalSummary;
import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrievalEvalCommandTest {
    @TempDir
    Path dir;

    /** {@code n} test queries of gold "0"; the image head is right on the first {@code imageRight}, raw pixels on the first {@code rawRight}. */
    static RetrievalReport report(String dataset, long seed, int n, int imageRight, int rawRight) {
        List<String> gold = new ArrayList<>();
        List<String> image = new ArrayList<>();
        List<String> raw = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            gold.add("0");
            image.add(q < imageRight ? "0" : "1");
            raw.add(q < rawRight ? "0" : "2");
        }
        KnnTestVotes votes = new KnnTestVotes(gold, image, raw);
        Map<Integer, Double> some = Map.of(10, 0.5, 30, 0.5);
        return new RetrievalReport(dataset, seed, 100, "tower", 1, 1, 1, 10, 1, new KnnKSelection(30, true, -0.01, 10, 90),
                some, some, Map.of(10, 0.4, 30, (double) imageRight / n), Map.of(10, 0.5, 30, 0.25 + seed / 100.0), some, some,
                Map.of(10, 0.4, 30, (double) rawRight / n), 0.5, 0.5, null, LatencySummary.ofNanos(new long[] {1_000_000}), votes,
                votes.imageHeadInterval(seed), votes.imageHeadMinusRawPixelInterval(seed));
    }

    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = JomedCli.run(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void theSummaryTableGivesEachDatasetsMeanWithItsIntervalsAndCounts() {
        RetrievalSummary retina = new RetrievalSummary("retinamnist", List.of(1L, 2L, 3L), 0.525, 0.0222, 630, 1200,
                new Bootstrap.Interval(0.525, 0.4925, 0.5558), 0.4583, new PairedBootstrap.Interval(0.0667, 0.031, 0.101), 0.5383,
                0.385, 0.2567, new java.util.TreeMap<>(Map.of("0", 0.7856, "1", 0.2333, "4", 0.0)));
        String table = RetrievalEvalCommand.summaryTable(List.of(retina));
        assertThat(table.lines().toList()).hasSize(3);
        assertThat(table.lines().toList().get(2))
                .isEqualTo("| retinamnist | 1,2,3 | 0.5250 [0.493, 0.556] | 630 / 1200 | 0.022 | 0.4583 | +0.067 [+0.031, +0.101] | 0.538 "
                        + "| 0.385 / 0.257 | 0: 0.79, 1: 0.23, 4: 0.00 |");
    }

    @Test
    void aReportFileIsSummedUpAsItsRunsAreWithSeedsAndDatasetsToChooseFrom() throws Exception {
        List<RetrievalReport> reports = List.of(report("retinamnist", 1, 400, 200, 180), report("retinamnist", 2, 400, 213, 182),
                report("breastmnist", 1, 156, 140, 130), report("retinamnist", 3, 400, 217, 190));
        Path file = dir.resolve("retrieval.json");
        RetrievalEvalCommand.writeJson(file, reports);

        String[] all = run("retrieval-summary", file.toString());
        assertThat(all[0]).isEqualTo("0");
        assertThat(all[1]).isEqualTo(RetrievalEvalCommand.summaryTable(RetrievalSummary.byDataset(reports)));

        String[] two = run("retrieval-summary", file.toString(), "--seeds", "1,2", "--dataset", "retinamnist");
        assertThat(two[1]).isEqualTo(RetrievalEvalCommand.summaryTable(List.of(RetrievalSummary.of(reports.subList(0, 2)))));

        // seeds run in separate jobs are summed up together
        Path first = dir.resolve("seed1.json");
        Path rest = dir.resolve("seeds23.json");
        RetrievalEvalCommand.writeJson(first, List.of(reports.get(0)));
        RetrievalEvalCommand.writeJson(rest, List.of(reports.get(1), reports.get(3)));
        assertThat(run("retrieval-summary", first.toString(), rest.toString())[1]).isEqualTo(RetrievalEvalCommand.summaryTable(
                List.of(RetrievalSummary.of(List.of(reports.get(0), reports.get(1), reports.get(3))))));
    }

    @Test
    void badReportFilesGetOneLineNamingTheFileAndTheField() throws Exception {
        Path file = dir.resolve("retrieval.json");
        RetrievalEvalCommand.writeJson(file, List.of(report("retinamnist", 1, 400, 200, 180)));
        String good = Files.readString(file);

        assertThat(run("retrieval-summary", file.toString(), file.toString())[2]).contains("retinamnist: seed 1 appears twice");
        assertThat(run("retrieval-summary", file.toString(), "--seeds", "7")[2]).contains("no run in").contains("seeds [7]");

        Path old = dir.resolve("old.json");
        Files.writeString(old, good.replace("\"test_votes\"", "\"votes_of_another_name\""));
        String[] r = run("retrieval-summary", old.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains(old + ": runs[0] (retinamnist seed 1) has no \"test_votes\"");

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\n \"kind\": \"retrieval-eval\",\n \"runs\": [\n");
        assertThat(run("retrieval-summary", broken.toString())[2]).contains(broken + ": not a JSON report (line");

        Path other = dir.resolve("demo.json");
        Files.writeString(other, "{\"kind\": \"evaluation\"}");
        assertThat(run("retrieval-summary", other.toString())[2]).contains("not a retrieval-eval report (its \"kind\" is \"evaluation\")");

        Path shortVotes = dir.resolve("short.json");
        Files.writeString(shortVotes, good.replaceFirst("\"image_head\" : \\[ \"0\",", "\"image_head\" : ["));
        assertThat(run("retrieval-summary", shortVotes.toString())[2])
                .contains(shortVotes + ": runs[0] (retinamnist seed 1): need one image-head and one raw-pixel vote per gold label");

        Path noK = dir.resolve("nok.json");
        Files.writeString(noK, good.replace("\"text_head_test\" : {\n      \"10\" : 0.5,\n      \"30\"", "\"text_head_test\" : {\n      \"10\" : 0.5,\n      \"31\""));
        assertThat(run("retrieval-summary", noK.toString())[2])
                .contains(noK + ": runs[0] (retinamnist seed 1).text_head_test: field \"30\" is missing or not a number");

        assertThat(run("retrieval-summary", dir.resolve("absent.json").toString())[2]).contains("absent.json: no such report file");
    }
}
