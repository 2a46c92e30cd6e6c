package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Max pooling over 2x2 windows with stride 2 (no padding; an odd last row or column is dropped, as PyTorch's
 * {@code max_pool2d} floors), of {@code [N, C, H, W]} to {@code [N, C, H/2, W/2]}.
 *
 * <p>In training it is libtorch's {@code max_pool2d} (whose backward sends each window's gradient to one
 * element). In inference it is the element-wise maximum of the window's four strided views, the same values:
 * libtorch's CPU kernel for contiguous NCHW input took 3.1 ms for {@code [16, 32, 28, 28]} on one thread where the
 * three maxima take 0.4 ms (the pooling was a third of the image tower's time in a profile of {@code diagnose}).
 *
 * <p>Has no parameters; thread-safe.
 */
final class MaxPool2x2 extends AbstractBlock {
    private static final byte VERSION = 1;
    private static final Shape WINDOW = new Shape(2, 2);

    MaxPool2x2() {
        super(VERSION);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (training) {
            return new NDList(Pool.maxPool2d(x, WINDOW, WINDOW, new Shape(0, 0), false));
        }
        Shape s = x.getShape();
        long h = s.get(2) / 2 * 2;
        long w = s.get(3) / 2 * 2;
        NDArray topLeft = x.get(new NDIndex(":, :, 0:{}:2, 0:{}:2", h, w));
        NDArray topRight = x.get(new NDIndex(":, :, 0:{}:2, 1:{}:2", h, w));
        NDArray top = topLeft.maximum(topRight);
        topLeft.close();
        topRight.close();
        NDArray bottomLeft = x.get(new NDIndex(":, :, 1:{}:2, 0:{}:2", h, w));
        NDArray bottomRight = x.get(new NDIndex(":, :, 1:{}:2, 1:{}:2", h, w));
        NDArray bottom = bottomLeft.maximum(bottomRight);
        bottomLeft.close();
        bottomRight.close();
        NDArray out = top.maximum(bottom);
        top.close();
        bottom.close();
        return new NDList(out);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), s.get(2) / 2, s.get(3) / 2)};
    }
}
