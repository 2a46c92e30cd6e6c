package io.jomed.training.phase2;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.reader.training.AdamWState;
import io.jomed.training.sampling.SamplerPosition;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A phase-2 checkpoint: the finished stages (their results and kept tower weights) and, within the running stage,
 * everything needed to continue exactly: the head's weights, the snapshot's weights, the optimizer's moments and
 * step, the sampler's position (the only random state), the step, the kept state so far, the curve and the loss
 * accumulators. Written atomically to {@value #FILE} with a CRC-32 over its content; a file of another format
 * version, a corrupt file, or one made by other inputs is refused with a clear message.
 *
 * <p>Instances are immutable by convention (the arrays are not copied) and are used by one training run.
 */
record Phase2Checkpoint(String runKey, List<Completed> completed, Optional<Current> current) {
    static final String FILE = "phase2.checkpoint";
    private static final int MAGIC = 0x4A4D5032; // "JMP2"
    private static final int VERSION = 1;

    record Completed(StageResult result, Optional<float[][]> towerValues) {
    }

    record Current(RetrieverHead head, long step, float[][] theta, float[][] snapshot, AdamWState optimizer,
            SamplerPosition sampler, List<TrainingPoint> curve, double lossSum, long lossCount, double recallSum, long recallCount,
            long bestStep, double bestAccuracy, float[][] bestValues, long elapsedNanos) {
    }

    /** Writes the checkpoint atomically into {@code directory}. */
    void write(Path directory) {
        try {
            Files.createDirectories(directory);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(runKey);
            out.writeInt(completed.size());
            for (Completed c : completed) {
                writeResult(out, c.result());
                out.writeBoolean(c.towerValues().isPresent());
                if (c.towerValues().isPresent()) {
                    writeMatrix(out, c.towerValues().get());
                }
            }
            out.writeBoolean(current.isPresent());
            if (current.isPresent()) {
                Current c = current.get();
                out.writeUTF(c.head().name());
                out.writeLong(c.step());
                writeMatrix(out, c.theta());
                writeMatrix(out, c.snapshot());
                c.optimizer().writeTo(out);
                out.writeLong(c.sampler().pass());
                out.writeInt(c.sampler().index());
                writeCurve(out, c.curve());
                out.writeDouble(c.lossSum());
                out.writeLong(c.lossCount());
                out.writeDouble(c.recallSum());
                out.writeLong(c.recallCount());
                out.writeLong(c.bestStep());
                out.writeDouble(c.bestAccuracy());
                writeMatrix(out, c.bestValues());
                out.writeLong(c.elapsedNanos());
            }
            out.flush();
            byte[] body = bytes.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(body);
            Path tmp = Files.createTempFile(directory, FILE, ".tmp");
            try {
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp)); DataOutputStream d = new DataOutputStream(os)) {
                    d.writeInt(MAGIC);
                    d.writeInt(VERSION);
                    d.writeInt(body.length);
                    d.write(body);
                    d.writeLong(crc.getValue());
                }
                Files.move(tmp, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the phase-2 checkpoint in " + directory, e);
        }
    }

    /**
     * Reads the checkpoint in {@code directory}, if there is one.
     *
     * @throws IllegalStateException if it is corrupt, of another version, or made by other inputs or settings
     */
    static Optional<Phase2Checkpoint> readIfPresent(Path directory, String expectedRunKey) {
        Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file)); DataInputStream in = new DataInputStream(is)) {
            if (in.readInt() != MAGIC) {
                throw new IllegalStateException(file + " is not a phase-2 checkpoint");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalStateException(file + " has checkpoint format version " + version + "; this library reads "
                        + VERSION);
            }
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            CRC32 crc = new CRC32();
            crc.update(body);
            if (in.readLong() != crc.getValue()) {
                throw new IllegalStateException(file + " is corrupt (CRC-32 mismatch); delete it to start phase 2 afresh");
            }
            DataInputStream d = new DataInputStream(new ByteArrayInputStream(body));
            String runKey = d.readUTF();
            if (!runKey.equals(expectedRunKey)) {
                throw new IllegalStateException(file + " was made by other inputs or settings and cannot be resumed; delete it or "
                        + "choose another checkpoint directory. checkpoint: " + runKey + "; this run: " + expectedRunKey);
            }
            int n = d.readInt();
            List<Completed> completed = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                StageResult r = readResult(d);
                Optional<float[][]> tower = d.readBoolean() ? Optional.of(readMatrix(d)) : Optional.empty();
                completed.add(new Completed(r, tower));
            }
            Optional<Current> current = Optional.empty();
            if (d.readBoolean()) {
                RetrieverHead head = RetrieverHead.valueOf(d.readUTF());
                long step = d.readLong();
                float[][] theta = readMatrix(d);
                float[][] snapshot = readMatrix(d);
                AdamWState optimizer = AdamWState.readFrom(d);
                SamplerPosition sampler = new SamplerPosition(d.readLong(), d.readInt());
                List<TrainingPoint> curve = readCurve(d);
                current = Optional.of(new Current(head, step, theta, snapshot, optimizer, sampler, curve, d.readDouble(), d.readLong(),
                        d.readDouble(), d.readLong(), d.readLong(), d.readDouble(), readMatrix(d), d.readLong()));
            }
            return Optional.of(new Phase2Checkpoint(runKey, completed, current));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the phase-2 checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeResult(DataOutput out, StageResult r) throws IOException {
        out.writeUTF(r.head().name());
        out.writeBoolean(r.skippedBecause().isPresent());
        if (r.skippedBecause().isPresent()) {
            out.writeUTF(r.skippedBecause().get());
        }
        out.writeLong(r.steps());
        out.writeLong(r.selectedStep());
        out.writeDouble(r.selectedValidationAccuracy());
        out.writeDouble(r.initialValidationAccuracy());
        writeCurve(out, r.curve());
        out.writeDouble(r.candidateRecall());
        out.writeLong(r.readerPairsScored());
        out.writeLong(r.readerPairsReused());
        out.writeLong(r.elapsed().toNanos());
    }

    private static StageResult readResult(DataInput in) throws IOException {
        RetrieverHead head = RetrieverHead.valueOf(in.readUTF());
        Optional<String> skipped = in.readBoolean() ? Optional.of(in.readUTF()) : Optional.empty();
        return new StageResult(head, skipped, in.readLong(), in.readLong(), in.readDouble(), in.readDouble(), readCurve(in),
                in.readDouble(), in.readLong(), in.readLong(), Duration.ofNanos(in.readLong()));
    }

    private static void writeCurve(DataOutput out, List<TrainingPoint> curve) throws IOException {
        out.writeInt(curve.size());
        for (TrainingPoint p : curve) {
            out.writeLong(p.step());
            out.writeDouble(p.trainingLoss());
            out.writeDouble(p.learningRate());
            out.writeDouble(p.validationAccuracy());
        }
    }

    private static List<TrainingPoint> readCurve(DataInput in) throws IOException {
        int n = in.readInt();
        List<TrainingPoint> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new TrainingPoint(in.readLong(), in.readDouble(), in.readDouble(), in.readDouble()));
        }
        return out;
    }

    private static void writeMatrix(DataOutput out, float[][] m) throws IOException {
        out.writeInt(m.length);
        for (float[] row : m) {
            out.writeInt(row.length);
            for (float v : row) {
                out.writeFloat(v);
            }
        }
    }

    private static float[][] readMatrix(DataInput in) throws IOException {
        float[][] m = new float[in.readInt()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[in.readInt()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = in.readFloat();
            }
        }
        return m;
    }
}
