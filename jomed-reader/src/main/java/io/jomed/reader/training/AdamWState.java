package io.jomed.reader.training;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The exact state of an {@link AdamW} optimizer: the number of steps taken and the first and second moment
 * of every parameter, by parameter name. Written and read with {@link #writeTo(DataOutput)} and
 * {@link #readFrom(DataInput)} for checkpoint and resume.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AdamWState {
    private static final int FORMAT_VERSION = 1;

    private final long step;
    private final Map<String, float[]> firstMoments;
    private final Map<String, float[]> secondMoments;

    AdamWState(long step, Map<String, float[]> firstMoments, Map<String, float[]> secondMoments) {
        if (!firstMoments.keySet().equals(secondMoments.keySet())) {
            throw new IllegalArgumentException("first and second moments name different parameters: "
                    + firstMoments.keySet() + " vs " + secondMoments.keySet());
        }
        this.step = step;
        this.firstMoments = copy(firstMoments);
        this.secondMoments = copy(secondMoments);
    }

    private static Map<String, float[]> copy(Map<String, float[]> in) {
        Map<String, float[]> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, v.clone()));
        return Collections.unmodifiableMap(out);
    }

    /** Steps taken so far (the bias-correction exponent of the next step minus one). */
    public long step() {
        return step;
    }

    public java.util.Set<String> parameterNames() {
        return firstMoments.keySet();
    }

    /** A copy of one parameter's first moment m. */
    public float[] firstMoment(String name) {
        return get(firstMoments, name).clone();
    }

    /** A copy of one parameter's second moment v. */
    public float[] secondMoment(String name) {
        return get(secondMoments, name).clone();
    }

    float[] firstMomentNoCopy(String name) {
        return get(firstMoments, name);
    }

    float[] secondMomentNoCopy(String name) {
        return get(secondMoments, name);
    }

    private static float[] get(Map<String, float[]> map, String name) {
        float[] v = map.get(Objects.requireNonNull(name, "name"));
        if (v == null) {
            throw new IllegalArgumentException("no optimizer state for parameter \"" + name + "\"; it has " + map.keySet());
        }
        return v;
    }

    /** Writes the state (format version, step, then name, length and moments of each parameter). */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(FORMAT_VERSION);
        out.writeLong(step);
        out.writeInt(firstMoments.size());
        for (String name : firstMoments.keySet()) {
            out.writeUTF(name);
            float[] m = firstMoments.get(name);
            float[] v = secondMoments.get(name);
            out.writeInt(m.length);
            for (float f : m) {
                out.writeFloat(f);
            }
            for (float f : v) {
                out.writeFloat(f);
            }
        }
    }

    /**
     * Reads a state written by {@link #writeTo(DataOutput)}.
     *
     * @throws IOException if the stream ends early or holds another format version
     */
    public static AdamWState readFrom(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("AdamW state format version " + version + " is not supported; expected " + FORMAT_VERSION);
        }
        long step = in.readLong();
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("AdamW state holds a negative parameter count " + count);
        }
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int n = in.readInt();
            if (n < 0) {
                throw new IOException("AdamW state of parameter " + name + " has negative length " + n);
            }
            float[] mi = new float[n];
            float[] vi = new float[n];
            for (int j = 0; j < n; j++) {
                mi[j] = in.readFloat();
            }
            for (int j = 0; j < n; j++) {
                vi[j] = in.readFloat();
            }
            m.put(name, mi);
            v.put(name, vi);
        }
        return new AdamWState(step, m, v);
    }

    @Override
    public String toString() {
        return "AdamWState[step=" + step + ", " + firstMoments.size() + " parameters]";
    }
}
