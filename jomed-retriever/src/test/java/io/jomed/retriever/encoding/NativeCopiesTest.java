package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.jomed.retriever.testing.RandomArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class NativeCopiesTest {

    @Test
    void copiesValuesAndShapeAndReusesItsStagingBufferAcrossSizes() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int n : new int[] {12, 3000, 5, 3000 * 7}) {
                float[] v = RandomArrays.gaussian(n, n);
                NDArray a = NativeCopies.floats(manager, v, new Shape(n / (n % 3 == 0 ? 3 : 1), n % 3 == 0 ? 3 : 1));
                assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(a.getShape().size()).isEqualTo(n);
                assertThat(a.toFloatArray()).isEqualTo(v);
                assertThat(a.getManager()).isSameAs(manager);
                v[0] = 42f;
                assertThat(a.toFloatArray()[0]).as("a copy, not a view of the Java array").isNotEqualTo(42f);
            }
        }
    }

    @Test
    void laterCopiesLeaveEarlierArraysAlone() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray a = NativeCopies.floats(manager, new float[] {1, 2, 3}, new Shape(3));
            NDArray b = NativeCopies.floats(manager, new float[] {7, 8, 9}, new Shape(3));
            NDArray c = NativeCopies.floats(manager, RandomArrays.gaussian(50_000, 3), new Shape(50_000));
            assertThat(a.toFloatArray()).containsExactly(1, 2, 3);
            assertThat(b.toFloatArray()).containsExactly(7, 8, 9);
            assertThat(c.toFloatArray()).isEqualTo(RandomArrays.gaussian(50_000, 3));
        }
    }

    @Test
    void rejectsAShapeOfAnotherSize() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> NativeCopies.floats(manager, new float[6], new Shape(2, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("shape (2, 2) has 4 elements, got 6 values");
        }
    }

    @Test
    void threadsDoNotShareAStagingBuffer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        float[] v = RandomArrays.gaussian(1000 + thread * 100 + i, thread * 1000L + i);
                        try (NDManager scope = manager.newSubManager()) {
                            if (!java.util.Arrays.equals(NativeCopies.floats(scope, v, new Shape(v.length)).toFloatArray(), v)) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The scalar factor of a recorded multiplication or division must stay valid until {@code backward}, even when the
     * JVM collects garbage and hands freed native memory to other data in between (here: small direct buffers full of
     * NaN). DJL's {@code NDArray.mul(Number)} fails this: its scalar lives in a Java buffer closed right after the
     * forward operation.
     */
    @Test
    void scalarFactorsOfRecordedOperationsSurviveGarbageCollectionBeforeBackward() throws Exception {
        assertThat(gradientsAfterScribbling((x, f) -> NativeCopies.multiply(x, f))).containsOnly(3f);
        assertThat(gradientsAfterScribbling((x, f) -> NativeCopies.divide(x, 1 / f))).containsOnly(3f);
    }

    /** d/dx sum(op(x, 3)) for x = (1, 2, 3, 4), with freed native memory overwritten by NaN between forward and backward. */
    static float[] gradientsAfterScribbling(BiFunction<NDArray, Double, NDArray> op) throws Exception {
        List<float[]> out = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int round = 0; round < 10; round++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x = NativeCopies.floats(scope, new float[] {1, 2, 3, 4}, new Shape(4));
                    x.setRequiresGradient(true);
                    List<ByteBuffer> scribbles = new ArrayList<>();
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray y = op.apply(x, 3.0).sum();
                        for (int gc = 0; gc < 3; gc++) {
                            System.gc();
                            Thread.sleep(20); // the cleaner frees direct buffers on its own thread
                        }
                        for (int i = 0; i < 2000; i++) {
                            for (int size : new int[] {4, 8}) {
                                ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
                                while (b.remaining() >= 4) {
                                    b.putFloat(Float.NaN);
                                }
                                scribbles.add(b);
                            }
                        }
                        collector.backward(y);
                    }
                    out.add(x.getGradient().toFloatArray());
                    scribbles.clear();
                }
            }
        }
        float[] all = new float[out.size() * 4];
        for (int i = 0; i < out.size(); i++) {
            System.arraycopy(out.get(i), 0, all, i * 4, 4);
        }
        return all;
    }
}
