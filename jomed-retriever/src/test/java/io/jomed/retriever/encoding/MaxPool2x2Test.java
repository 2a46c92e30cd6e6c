package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class MaxPool2x2Test {
    @Test
    void inferenceGivesTheValuesOfLibtorchsMaxPoolForEvenAndOddSizes() {
        MaxPool2x2 pool = new MaxPool2x2();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (Shape shape : new Shape[] {new Shape(3, 4, 28, 28), new Shape(2, 5, 7, 9), new Shape(1, 1, 2, 2)}) {
                NDArray x = manager.randomNormal(shape);
                ParameterStore store = new ParameterStore(manager, false);
                NDArray fast = pool.forward(store, new NDList(x), false).singletonOrThrow();
                NDArray reference = pool.forward(store, new NDList(x), true).singletonOrThrow();
                assertThat(fast.getShape()).as("shape for %s", shape).isEqualTo(reference.getShape())
                        .isEqualTo(pool.getOutputShapes(new Shape[] {shape})[0]);
                assertThat(fast.toFloatArray()).as("values for %s", shape).isEqualTo(reference.toFloatArray());
            }
        }
    }

    @Test
    void takesTheMaximumOfEachWindow() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray x = manager.create(new float[] {1, 5, 2, 0, 3, 4, -1, 7, 9, 8, 6, 6, 0, 0, 0, -2}, new Shape(1, 1, 4, 4));
            NDArray y = new MaxPool2x2().forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            assertThat(y.toFloatArray()).containsExactly(5, 7, 9, 6);
        }
    }
}
