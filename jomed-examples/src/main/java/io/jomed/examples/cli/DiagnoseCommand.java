package io.jomed.examples.cli;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.bundle.LoadedPipeline;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jomed diagnose}: diagnoses image files with a saved model bundle and prints each answer with its
 * probabilities and evidence.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = "Diagnose images with a model bundle: answer, probability per label, the retrieved evidence with "
                + "scores and per-case predictions, and whether those disagree.")
final class DiagnoseCommand implements Callable<Integer> {

    @Option(names = "--bundle", required = true, description = "The model bundle folder.")
    Path bundle;

    @Option(names = "--question", description = "A question for visual question answering (optional).")
    String question;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @Override
    public Integer call() {
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundle)) {
            List<Query> queries = images.stream().map(p -> {
                MedicalImage image = MedicalImage.read(p);
                return question == null ? Query.of(image) : Query.of(image, question);
            }).toList();
            List<Diagnosis> diagnoses = pipeline.diagnose(queries);
            for (int i = 0; i < images.size(); i++) {
                print(images.get(i), diagnoses.get(i));
            }
        }
        return 0;
    }

    private static void print(Path image, Diagnosis d) {
        System.out.printf(Locale.ROOT, "%s: %s (p = %.3f)%s%n", image, d.answer(), d.confidence(),
                d.inconsistent() ? "  [inconsistent: the retrieved cases lead to different answers]" : "");
        StringBuilder p = new StringBuilder("  probabilities:");
        for (Map.Entry<String, Double> e : d.probabilities().entrySet()) {
            p.append(String.format(Locale.ROOT, " %s %.3f;", e.getKey(), e.getValue()));
        }
        System.out.println(p);
        for (CasePrediction c : d.evidence()) {
            System.out.printf(Locale.ROOT, "  %-5s #%d %-28s score %.4f weight %.3f -> %s%n", c.evidence().head(),
                    c.evidence().rank(), c.evidence().caseId(), c.evidence().rawScore(), c.fusionWeight(), c.predictedLabel());
        }
    }
}
