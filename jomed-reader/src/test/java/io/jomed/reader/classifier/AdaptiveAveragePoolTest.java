package io.jomed.reader.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.jomed.retriever.testing.RandomArrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reader's pooling (libtorch's adaptive average pooling) against the per-cell formula it replaced. */
class AdaptiveAveragePoolTest {

    /** The former implementation: slice every cell, mean over columns then rows, stack. */
    private static NDArray perCell(NDArray x, int g) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        NDList cells = new NDList(g * g);
        for (int i = 0; i < g; i++) {
            long r0 = Math.floorDiv(i * h, g);
            long r1 = -Math.floorDiv(-(i + 1) * h, g);
            for (int j = 0; j < g; j++) {
                long c0 = Math.floorDiv(j * w, g);
                long c1 = -Math.floorDiv(-(j + 1) * w, g);
                cells.add(x.get(new NDIndex(":, :, {}:{}, {}:{}", r0, r1, c0, c1)).mean(new int[] {3}).mean(new int[] {2}));
            }
        }
        return NDArrays.stack(cells, 2);
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("element %d: %s vs %s", i, actual[i], expected[i]).isLessThan(1e-6f);
        }
    }

    @ParameterizedTest
    @CsvSource({"4, 4, 2", "7, 7, 2", "4, 4, 3", "5, 3, 2", "4, 4, 1", "6, 9, 4"})
    void valuesAndGradientsEqualThePerCellFormula(int h, int w, int g) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Shape shape = new Shape(3, 5, h, w);
            float[] input = RandomArrays.gaussian((int) shape.size(), h * 100L + w * 10L + g);
            float[] weights = RandomArrays.gaussian(3 * 5 * g * g, 7);
            float[][] values = new float[2][];
            float[][] gradients = new float[2][];
            for (int variant = 0; variant < 2; variant++) {
                NDArray x = manager.create(input, shape);
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray pooled = variant == 0 ? ClassifierReaderBlock.adaptiveAveragePool(x, g) : perCell(x, g);
                    assertThat(pooled.getShape()).isEqualTo(new Shape(3, 5, (long) g * g));
                    values[variant] = pooled.toFloatArray();
                    collector.backward(pooled.mul(manager.create(weights, pooled.getShape())).sum());
                }
                gradients[variant] = x.getGradient().toFloatArray();
            }
            assertClose(values[0], values[1]);
            assertClose(gradients[0], gradients[1]);
        }
    }

    @Test
    void aCellIsTheMeanOfItsPixels() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // 1 x 1 x 3 x 3, grid 2: cells overlap on the middle row and column
            NDArray x = manager.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new Shape(1, 1, 3, 3));
            float[] pooled = ClassifierReaderBlock.adaptiveAveragePool(x, 2).toFloatArray();
            assertClose(pooled, new float[] {(1 + 2 + 4 + 5) / 4f, (2 + 3 + 5 + 6) / 4f, (4 + 5 + 7 + 8) / 4f, (5 + 6 + 8 + 9) / 4f});
        }
    }
}
