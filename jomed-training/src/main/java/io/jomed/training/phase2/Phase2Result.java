package io.jomed.training.phase2;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.encoding.ImageTower;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of phase 2: the trained query tower {@code f_theta,h} of every head whose stage ran (a head whose
 * stage was skipped keeps querying with {@code f0}), what each stage did, and the run's metadata (the preset,
 * every effective setting and every override).
 *
 * <p>Owns the towers' native memory: close it (or take the towers over with {@link #releaseTowers()}). Not
 * thread-safe.
 */
public final class Phase2Result implements AutoCloseable {
    private final Map<RetrieverHead, ImageTower> towers;
    private final List<StageResult> stages;
    private final Map<String, String> metadata;
    private final Duration elapsed;
    private boolean released;

    Phase2Result(Map<RetrieverHead, ImageTower> towers, List<StageResult> stages, Map<String, String> metadata, Duration elapsed) {
        this.towers = Collections.unmodifiableMap(new EnumMap<>(towers.isEmpty() ? new EnumMap<>(RetrieverHead.class) : towers));
        this.stages = List.copyOf(stages);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.elapsed = elapsed;
    }

    /** The trained towers by head; a head that is absent queries with {@code f0}. */
    public Map<RetrieverHead, ImageTower> towers() {
        return towers;
    }

    /** The trained tower of one head, if its stage ran. */
    public Optional<ImageTower> tower(RetrieverHead head) {
        return Optional.ofNullable(towers.get(head));
    }

    public List<StageResult> stages() {
        return stages;
    }

    /** Skipped stages by name ({@code phase2.text}), with the reason. */
    public Map<String, String> skippedStages() {
        Map<String, String> out = new LinkedHashMap<>();
        for (StageResult s : stages) {
            s.skippedBecause().ifPresent(reason -> out.put(s.stageName(), reason));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The preset, every effective setting ({@code phase2.*}), every override and the stages' outcomes. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public Duration elapsed() {
        return elapsed;
    }

    /** Hands the towers to the caller, who must close them; this result then closes nothing. */
    public Map<RetrieverHead, ImageTower> releaseTowers() {
        released = true;
        return towers;
    }

    @Override
    public void close() {
        if (!released) {
            towers.values().forEach(ImageTower::close);
            released = true;
        }
    }
}
