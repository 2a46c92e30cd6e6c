package io.jomed.examples.cli;

import io.jomed.training.experiment.MedMnistDefaults;
import picocli.CommandLine.Option;

/**
 * The image-tower options shared by the commands that align {@code f0}: {@code --tower-members}.
 *
 * <p>Not thread-safe; filled in by picocli once per command.
 */
final class TowerOptions {

    @Option(names = "--tower-members", description = "Ensemble members of the image tower f0 (default: "
            + MedMnistDefaults.TOWER_MEMBERS + ").")
    Integer towerMembers;

    /** The members asked for, or {@link MedMnistDefaults#TOWER_MEMBERS}. */
    int members() {
        return towerMembers != null ? towerMembers : MedMnistDefaults.TOWER_MEMBERS;
    }
}
