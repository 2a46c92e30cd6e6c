package io.jomed.reader.classifier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.jomed.retriever.encoding.NativeCopies;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network of the built-in reader, as a DJL block over the five tensors of
 * {@link io.jomed.reader.input.EncodedReaderInputs#toNDList} (query image, case image, case report embedding,
 * question embedding, has-context flag) or the six of its
 * {@link io.jomed.reader.input.EncodedReaderInputs#toCompactNDList compact form} (the distinct query images first and
 * each row's query image index last: the image tower then runs once per distinct query image and its tokens are
 * gathered per row, the same values as the five-tensor form), returning label logits {@code [N, |L|]}.
 *
 * <ul>
 *   <li>Image tower, shared by query and case images: stride-2 3x3 convolutions with GELU, adaptive average
 *       pooling to a {@code g x g} grid (libtorch's {@code adaptive_avg_pool2d}: cell {@code i} averages rows
 *       {@code floor(i H / g)} to {@code ceil((i + 1) H / g) - 1}, columns likewise), a linear map to width d and
 *       a learned grid-position embedding; a learned type embedding marks query-image and case-image tokens.</li>
 *   <li>Text: a trainable projection {@code Linear(textDim -> d)} each for the report and the question
 *       embedding (one token each, own type embedding). A learned "no context" token set replaces the case
 *       tokens (case image and report) of rows whose has-context flag is 0.</li>
 *   <li>Fusion: a learned CLS token and pre-norm transformer encoder layers (multi-head self-attention and
 *       a GELU MLP, dropout on both residual branches during training), then LayerNorm and
 *       {@code Linear(d -> |L|)} on the CLS token.</li>
 * </ul>
 *
 * <p>All parameters are direct parameters of this block; {@link ClassifierReaderModel} creates, seeds,
 * saves and loads their arrays. Every intermediate array is created from a batch array (left operand), so
 * it lives in the caller's (sub-)manager, and is closed as soon as it has been used, as PyTorch frees a tensor
 * when its last reference goes: in inference its memory is then reused by the next intermediates, instead of
 * every intermediate of the pass being held until the caller's manager closes (a peak several times larger,
 * which the allocator hands back to the system and page-faults in again on the next pass); in training,
 * autograd keeps what backward needs. Forward passes in inference mode may run concurrently; training is not
 * thread-safe.
 */
public final class ClassifierReaderBlock extends AbstractBlock {
    private static final byte VERSION = 1;
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final ClassifierReaderConfig config;
    private final int labels;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    ClassifierReaderBlock(ClassifierReaderConfig config, int labels) {
        super(VERSION);
        this.config = config;
        this.labels = labels;
        int d = config.modelWidth();
        int[] conv = config.convChannels();
        int in = config.channels();
        for (int i = 0; i < conv.length; i++) {
            add("conv" + i + ".weight", Parameter.Type.WEIGHT, new Shape(conv[i], in, 3, 3));
            add("conv" + i + ".bias", Parameter.Type.BIAS, new Shape(conv[i]));
            in = conv[i];
        }
        int gg = config.tokenGrid() * config.tokenGrid();
        add("imageProjection.weight", Parameter.Type.WEIGHT, new Shape(d, in));
        add("imageProjection.bias", Parameter.Type.BIAS, new Shape(d));
        add("gridPosition", Parameter.Type.OTHER, new Shape(1, gg, d));
        add("queryImageType", Parameter.Type.OTHER, new Shape(1, 1, d));
        add("caseImageType", Parameter.Type.OTHER, new Shape(1, 1, d));
        add("reportType", Parameter.Type.OTHER, new Shape(1, 1, d));
        add("questionType", Parameter.Type.OTHER, new Shape(1, 1, d));
        add("reportProjection.weight", Parameter.Type.WEIGHT, new Shape(d, config.textDimension()));
        add("reportProjection.bias", Parameter.Type.BIAS, new Shape(d));
        add("questionProjection.weight", Parameter.Type.WEIGHT, new Shape(d, config.textDimension()));
        add("questionProjection.bias", Parameter.Type.BIAS, new Shape(d));
        add("noContext", Parameter.Type.OTHER, new Shape(1, gg + 1, d));
        add("cls", Parameter.Type.OTHER, new Shape(1, 1, d));
        int hidden = d * config.mlpRatio();
        for (int l = 0; l < config.layers(); l++) {
            String p = "layer" + l + ".";
            add(p + "norm1.gamma", Parameter.Type.GAMMA, new Shape(d));
            add(p + "norm1.beta", Parameter.Type.BETA, new Shape(d));
            add(p + "qkv.weight", Parameter.Type.WEIGHT, new Shape(3L * d, d));
            add(p + "qkv.bias", Parameter.Type.BIAS, new Shape(3L * d));
            add(p + "attentionOutput.weight", Parameter.Type.WEIGHT, new Shape(d, d));
            add(p + "attentionOutput.bias", Parameter.Type.BIAS, new Shape(d));
            add(p + "norm2.gamma", Parameter.Type.GAMMA, new Shape(d));
            add(p + "norm2.beta", Parameter.Type.BETA, new Shape(d));
            add(p + "mlpIn.weight", Parameter.Type.WEIGHT, new Shape(hidden, d));
            add(p + "mlpIn.bias", Parameter.Type.BIAS, new Shape(hidden));
            add(p + "mlpOut.weight", Parameter.Type.WEIGHT, new Shape(d, hidden));
            add(p + "mlpOut.bias", Parameter.Type.BIAS, new Shape(d));
        }
        add("finalNorm.gamma", Parameter.Type.GAMMA, new Shape(d));
        add("finalNorm.beta", Parameter.Type.BETA, new Shape(d));
        add("head.weight", Parameter.Type.WEIGHT, new Shape(labels, d));
        add("head.bias", Parameter.Type.BIAS, new Shape(labels));
    }

    private void add(String name, Parameter.Type type, Shape shape) {
        Parameter p = addParameter(Parameter.builder().setName(name).setType(type).build());
        byName.put(name, p);
        shapes.put(name, shape);
    }

    /** Parameter names in declaration order, with the shape each must have. */
    Map<String, Shape> parameterShapes() {
        return shapes;
    }

    /** Parameters in declaration order. */
    List<Parameter> orderedParameters() {
        return new ArrayList<>(byName.values());
    }

    Parameter parameter(String name) {
        return byName.get(name);
    }

    private NDArray p(String name) {
        return byName.get(name).getArray();
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != 5 && inputs.size() != 6) {
            throw new IllegalArgumentException("the classifier reader takes 5 tensors (query image, case image, case text, "
                    + "question, has-context) or 6 (distinct query images first, query image index per row last), got "
                    + inputs.size());
        }
        NDArray queryImage = inputs.get(0);
        NDArray caseImage = inputs.get(1);
        NDArray caseText = inputs.get(2);
        NDArray question = inputs.get(3);
        NDArray flag = inputs.get(4);
        long n = caseImage.getShape().get(0);
        int d = config.modelWidth();
        int gg = config.tokenGrid() * config.tokenGrid();

        // one pass of the image tower over the query images (Q of them) and the case images (N): one set of native
        // calls, and never a batch of one, for which libtorch leaves oneDNN for a slower convolution (NNPACK, which
        // this CPU lacks, then warns on every call)
        long q = queryImage.getShape().get(0);
        NDArray images = NDArrays.concat(new NDList(queryImage, caseImage), 0);
        NDArray tokens = imageTokens(images);
        images.close();
        NDArray queryTokens = tokens.get(new NDIndex("0:{}", q));
        if (inputs.size() == 6) {
            NDArray perRow = queryTokens.get(new NDIndex("{}", inputs.get(5))); // [Q, g*g, d] -> [N, g*g, d]
            queryTokens.close();
            queryTokens = perRow;
        }
        NDArray query = queryTokens.add(p("queryImageType"));
        NDArray caseOnly = tokens.get(new NDIndex("{}:", q));
        NDArray caseTokens = caseOnly.add(p("caseImageType"));
        close(queryTokens, caseOnly, tokens);
        NDArray report = Linear.linear(caseText, p("reportProjection.weight"), p("reportProjection.bias")).singletonOrThrow()
                .expandDims(1).add(p("reportType"));
        NDArray questionToken = Linear.linear(question, p("questionProjection.weight"), p("questionProjection.bias"))
                .singletonOrThrow().expandDims(1).add(p("questionType"));
        NDArray context = NDArrays.concat(new NDList(caseTokens, report), 1);
        NDArray f = flag.reshape(n, 1, 1);
        NDArray noContext = f.neg().add(1f).mul(p("noContext"));
        context = context.mul(f).add(noContext);
        NDArray cls = flag.zerosLike().reshape(n, 1, 1).add(p("cls")).reshape(n, 1, d);
        NDArray x = NDArrays.concat(new NDList(cls, query, context, questionToken), 1);
        if (x.getShape().get(1) != 2L * gg + 3) {
            throw new IllegalStateException("token count " + x.getShape() + " does not match the grid " + gg);
        }
        for (int l = 0; l < config.layers(); l++) {
            NDArray next = encoderLayer(x, "layer" + l + ".", training);
            x.close();
            x = next;
        }
        NDArray first = x.get(new NDIndex(":, 0, :"));
        NDArray normed = LayerNorm.layerNorm(first, new Shape(d), p("finalNorm.gamma"), p("finalNorm.beta"), LAYER_NORM_EPS)
                .singletonOrThrow();
        return Linear.linear(normed, p("head.weight"), p("head.bias"));
    }

    private NDArray imageTokens(NDArray image) {
        NDArray x = image;
        int stages = config.convChannels().length;
        for (int i = 0; i < stages; i++) {
            NDArray conv = Conv2d.conv2d(x, p("conv" + i + ".weight"), p("conv" + i + ".bias"), new Shape(2, 2), new Shape(1, 1))
                    .singletonOrThrow();
            if (x != image) {
                x.close();
            }
            x = Activation.gelu(conv);
            conv.close();
        }
        NDArray pooled = adaptiveAveragePool(x, config.tokenGrid()); // [N, C, g*g]
        if (x != image) {
            x.close();
        }
        NDArray tokens = pooled.transpose(0, 2, 1); // [N, g*g, C]
        NDArray projected = Linear.linear(tokens, p("imageProjection.weight"), p("imageProjection.bias")).singletonOrThrow();
        close(pooled, tokens);
        NDArray out = projected.add(p("gridPosition"));
        projected.close();
        return out;
    }

    /**
     * PyTorch's adaptive average pooling of {@code [N, C, H, W]} to {@code [N, C, g*g]} (cells row-major): cell
     * {@code (i, j)} averages rows {@code floor(i H / g)} to {@code ceil((i + 1) H / g) - 1} and columns likewise.
     * One libtorch op forward and one backward, where slicing every cell cost {@code 3 g^2 + 1} ops and as many
     * in backward.
     */
    static NDArray adaptiveAveragePool(NDArray x, int g) {
        Shape shape = x.getShape();
        NDArray pooled = JniUtils.adaptiveAvgPool((PtNDArray) x, new Shape(g, g));
        NDArray out = pooled.reshape(shape.get(0), shape.get(1), (long) g * g);
        pooled.close();
        return out;
    }

    private NDArray encoderLayer(NDArray x, String prefix, boolean training) {
        int d = config.modelWidth();
        int heads = config.heads();
        int dh = d / heads;
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray h = LayerNorm.layerNorm(x, new Shape(d), p(prefix + "norm1.gamma"), p(prefix + "norm1.beta"), LAYER_NORM_EPS)
                .singletonOrThrow();
        NDArray qkvRows = Linear.linear(h, p(prefix + "qkv.weight"), p(prefix + "qkv.bias")).singletonOrThrow();
        h.close();
        NDArray qkvSplit = qkvRows.reshape(n, t, 3, heads, dh);
        NDArray qkv = qkvSplit.transpose(2, 0, 3, 1, 4); // [3, N, H, T, dh]
        close(qkvRows, qkvSplit);
        NDArray q = qkv.get(0);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray kT = k.transpose(0, 1, 3, 2);
        NDArray products = q.matMul(kT);
        close(q, k, kT);
        NDArray scaled = NativeCopies.multiply(products, 1f / (float) Math.sqrt(dh));
        products.close();
        NDArray attention = scaled.softmax(-1);
        scaled.close();
        NDArray perHead = attention.matMul(v);
        close(attention, v, qkv);
        NDArray perToken = perHead.transpose(0, 2, 1, 3);
        NDArray mixed = perToken.reshape(n, t, d);
        close(perHead, perToken);
        NDArray attended = Linear.linear(mixed, p(prefix + "attentionOutput.weight"), p(prefix + "attentionOutput.bias"))
                .singletonOrThrow();
        mixed.close();
        NDArray attendedDropped = dropout(attended, training);
        NDArray x1 = x.add(attendedDropped);
        close(attended, attendedDropped);
        NDArray h2 = LayerNorm.layerNorm(x1, new Shape(d), p(prefix + "norm2.gamma"), p(prefix + "norm2.beta"), LAYER_NORM_EPS)
                .singletonOrThrow();
        NDArray preActivation = Linear.linear(h2, p(prefix + "mlpIn.weight"), p(prefix + "mlpIn.bias")).singletonOrThrow();
        h2.close();
        NDArray hidden = Activation.gelu(preActivation);
        preActivation.close();
        NDArray out = Linear.linear(hidden, p(prefix + "mlpOut.weight"), p(prefix + "mlpOut.bias")).singletonOrThrow();
        hidden.close();
        NDArray outDropped = dropout(out, training);
        NDArray y = x1.add(outDropped);
        close(x1, out, outDropped);
        return y;
    }

    private static void close(NDArray... arrays) {
        for (NDArray a : arrays) {
            a.close();
        }
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || config.dropout() == 0f) {
            return x;
        }
        return Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), labels)};
    }
}
