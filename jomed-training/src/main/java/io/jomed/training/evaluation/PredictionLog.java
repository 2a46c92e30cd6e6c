package io.jomed.training.evaluation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jomed.api.reading.LabelSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The prediction log of one evaluation run (method.md §5): per query the example id, the gold class and,
 * per mode, the predicted class with the probability of every class and, for retrieval modes, every
 * retrieved item (head, rank, case id, raw score, fusion weight, label logits, predicted class). Every
 * analysis reads this log; none needs another reader call. Written to and read from JSON with Jackson
 * (snake_case keys).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PredictionLog {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

    private final String task;
    private final List<String> labels;
    private final int positiveIndex;
    private final List<String> modes;
    private final List<QueryRecord> queries;

    @JsonCreator
    PredictionLog(@JsonProperty("task") String task, @JsonProperty("labels") List<String> labels,
            @JsonProperty("positive_index") int positiveIndex, @JsonProperty("modes") List<String> modes,
            @JsonProperty("queries") List<QueryRecord> queries) {
        this.task = Objects.requireNonNull(task, "task");
        this.labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
        this.positiveIndex = positiveIndex;
        this.modes = List.copyOf(Objects.requireNonNull(modes, "modes"));
        this.queries = List.copyOf(Objects.requireNonNull(queries, "queries"));
        validate();
    }

    private void validate() {
        if (labels.size() < 2 || new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("a prediction log needs at least 2 distinct labels, got " + labels);
        }
        if (positiveIndex < -1 || positiveIndex >= labels.size()) {
            throw new IllegalArgumentException("positive index " + positiveIndex + " is outside [-1, " + labels.size() + ")");
        }
        if (modes.isEmpty() || new HashSet<>(modes).size() != modes.size()) {
            throw new IllegalArgumentException("a prediction log needs at least one mode, each named once; got " + modes);
        }
        int classes = labels.size();
        Set<String> ids = new HashSet<>();
        Set<String> modeSet = new LinkedHashSet<>(modes);
        for (QueryRecord q : queries) {
            if (!ids.add(q.exampleId())) {
                throw new IllegalArgumentException("example " + q.exampleId() + " is logged twice");
            }
            if (q.gold() >= classes) {
                throw new IllegalArgumentException("gold class " + q.gold() + " of example " + q.exampleId()
                        + " is outside [0, " + classes + ")");
            }
            if (!q.modes().keySet().equals(modeSet)) {
                throw new IllegalArgumentException("example " + q.exampleId() + " logs modes " + q.modes().keySet()
                        + ", expected " + modeSet);
            }
            for (Map.Entry<String, ModePrediction> e : q.modes().entrySet()) {
                ModePrediction p = e.getValue();
                String where = "example " + q.exampleId() + ", mode " + e.getKey();
                if (p.probabilities().length != classes) {
                    throw new IllegalArgumentException(where + ": " + p.probabilities().length + " probabilities for "
                            + classes + " classes");
                }
                for (ItemPrediction item : p.items()) {
                    if (item.predicted() >= classes) {
                        throw new IllegalArgumentException(where + ", case " + item.caseId() + ": predicted class "
                                + item.predicted() + " is outside [-1, " + classes + ")");
                    }
                    int n = item.logits().length;
                    if (n != 0 && n != classes) {
                        throw new IllegalArgumentException(where + ", case " + item.caseId() + ": " + n + " logits for "
                                + classes + " classes");
                    }
                }
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The task (label space) name. */
    @JsonProperty("task")
    public String task() {
        return task;
    }

    /** The labels in class order. */
    @JsonProperty("labels")
    public List<String> labels() {
        return labels;
    }

    /** The positive class of a binary task, or {@code -1}. */
    @JsonProperty("positive_index")
    public int positiveIndex() {
        return positiveIndex;
    }

    /** The logged modes, in evaluation order. */
    @JsonProperty("modes")
    public List<String> modes() {
        return modes;
    }

    /** The logged queries, in evaluation order. */
    @JsonProperty("queries")
    public List<QueryRecord> queries() {
        return queries;
    }

    /** The label space the class indices refer to. */
    public LabelSpace labelSpace() {
        LabelSpace.Builder b = LabelSpace.builder().setName(task);
        labels.forEach(b::addLabel);
        if (positiveIndex >= 0) {
            b.optPositiveLabel(labels.get(positiveIndex));
        }
        return b.build();
    }

    /** Number of logged queries. */
    public int size() {
        return queries.size();
    }

    public int classes() {
        return labels.size();
    }

    /** Whether the mode is logged. */
    public boolean hasMode(String mode) {
        return modes.contains(mode);
    }

    /** Gold class per query. */
    public int[] gold() {
        return queries.stream().mapToInt(QueryRecord::gold).toArray();
    }

    /** The mode's predicted class per query ({@code -1} for invalid). */
    public int[] predicted(String mode) {
        requireMode(mode);
        return queries.stream().mapToInt(q -> q.mode(mode).predicted()).toArray();
    }

    /** The mode's class probabilities per query. */
    public double[][] probabilities(String mode) {
        requireMode(mode);
        return queries.stream().map(q -> q.mode(mode).probabilities()).toArray(double[][]::new);
    }

    /** Whether the mode's prediction is right, per query. */
    public boolean[] correct(String mode) {
        requireMode(mode);
        boolean[] out = new boolean[queries.size()];
        for (int i = 0; i < out.length; i++) {
            QueryRecord q = queries.get(i);
            out[i] = q.mode(mode).predicted() == q.gold();
        }
        return out;
    }

    /** Whether any query of the mode has retrieved items (a retrieval mode). */
    public boolean hasItems(String mode) {
        requireMode(mode);
        return queries.stream().anyMatch(q -> !q.mode(mode).items().isEmpty());
    }

    /**
     * @throws IllegalArgumentException naming the mode and the logged ones if it is not logged
     */
    public void requireMode(String mode) {
        Objects.requireNonNull(mode, "mode");
        if (!modes.contains(mode)) {
            throw new IllegalArgumentException("mode \"" + mode + "\" is not in the log; logged modes: " + modes);
        }
    }

    /**
     * This log with the modes of another log of the same queries and label space added (for example a
     * mode evaluated after training).
     *
     * @throws IllegalArgumentException if the label spaces or example ids differ, or a mode is in both
     */
    public PredictionLog withModesOf(PredictionLog other) {
        Objects.requireNonNull(other, "other");
        if (!other.labelSpace().equals(labelSpace())) {
            throw new IllegalArgumentException("label spaces differ: " + labelSpace() + " vs " + other.labelSpace());
        }
        Map<String, QueryRecord> theirs = new LinkedHashMap<>();
        other.queries.forEach(q -> theirs.put(q.exampleId(), q));
        if (!theirs.keySet().equals(new LinkedHashSet<>(queries.stream().map(QueryRecord::exampleId).toList()))) {
            throw new IllegalArgumentException("the logs hold different examples (" + size() + " vs " + other.size() + ")");
        }
        List<String> allModes = new ArrayList<>(modes);
        for (String m : other.modes) {
            if (modes.contains(m)) {
                throw new IllegalArgumentException("mode \"" + m + "\" is in both logs");
            }
            allModes.add(m);
        }
        List<QueryRecord> merged = new ArrayList<>(queries.size());
        for (QueryRecord q : queries) {
            QueryRecord o = theirs.get(q.exampleId());
            if (o.gold() != q.gold()) {
                throw new IllegalArgumentException("example " + q.exampleId() + " has gold " + q.gold() + " here and "
                        + o.gold() + " in the other log");
            }
            Map<String, ModePrediction> m = new LinkedHashMap<>(q.modes());
            m.putAll(o.modes());
            merged.add(new QueryRecord(q.exampleId(), q.gold(), m));
        }
        return new PredictionLog(task, labels, positiveIndex, allModes, merged);
    }

    /** The log as JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the log as JSON to a file. */
    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    /**
     * Reads a log written by {@link #toJson()} or {@link #write(Path)}.
     *
     * @throws IOException if the JSON is malformed or the log is inconsistent (the message names the field)
     */
    public static PredictionLog fromJson(String json) throws IOException {
        return JSON.readValue(json, PredictionLog.class);
    }

    /** Reads a log file written by {@link #write(Path)}. */
    public static PredictionLog read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), PredictionLog.class);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PredictionLog l && l.task.equals(task) && l.labels.equals(labels)
                && l.positiveIndex == positiveIndex && l.modes.equals(modes) && l.queries.equals(queries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(task, labels, positiveIndex, modes, queries);
    }

    @Override
    public String toString() {
        return "PredictionLog[" + task + ", " + queries.size() + " queries, modes " + modes + "]";
    }

    /** Builder for {@link PredictionLog}; not thread-safe. The label space and at least one mode are required. */
    public static final class Builder {
        private LabelSpace labelSpace;
        private final List<String> modes = new ArrayList<>();
        private final List<QueryRecord> queries = new ArrayList<>();

        private Builder() {
        }

        public Builder setLabelSpace(LabelSpace labelSpace) {
            this.labelSpace = Objects.requireNonNull(labelSpace, "labelSpace");
            return this;
        }

        /** Declares a mode; every query must then log it. */
        public Builder addMode(String mode) {
            Objects.requireNonNull(mode, "mode");
            if (mode.isBlank()) {
                throw new IllegalArgumentException("mode name is blank");
            }
            if (modes.contains(mode)) {
                throw new IllegalArgumentException("mode \"" + mode + "\" is declared twice");
            }
            modes.add(mode);
            return this;
        }

        public Builder addQuery(QueryRecord query) {
            queries.add(Objects.requireNonNull(query, "query"));
            return this;
        }

        /**
         * @throws IllegalStateException if the label space or modes are missing
         * @throws IllegalArgumentException if a query is inconsistent with them (the message names the example)
         */
        public PredictionLog build() {
            if (labelSpace == null) {
                throw new IllegalStateException("a label space is required: call setLabelSpace");
            }
            if (modes.isEmpty()) {
                throw new IllegalStateException("at least one mode is required: call addMode");
            }
            return new PredictionLog(labelSpace.name(), labelSpace.labels(), labelSpace.positiveIndex().orElse(-1),
                    modes, queries);
        }
    }
}
