package io.jomed.training.experiment;

import io.jomed.training.phase2.Phase2Settings;

/**
 * Phase-2 settings of the MedMNIST experiment: the {@code CLEAN} preset with the method's constants
 * ({@code K = 50}, {@code R = 10}, {@code B = 2}, both temperatures 1, {@code alpha = 0.15}) and a budget in passes
 * that fits the demo on two cores.
 *
 * <p>Stateless and thread-safe.
 */
public final class Phase2Defaults {
    private Phase2Defaults() {
    }

    /** The experiment's default phase-2 settings. */
    public static Phase2Settings settings() {
        return Phase2Settings.builder().build();
    }
}
