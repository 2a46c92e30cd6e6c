package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * An ensemble of towers that share one input: each member maps {@code [N, C, H, W]} to unit embeddings
 * {@code [N, D]}, and the block's output is the L2-normalised mean of the members' embeddings. The members are
 * independent networks with their own weights; {@link #forwardMembers} returns each member's embedding so that
 * training can give every member its own loss, as a deep ensemble does.
 *
 * <p>Thread-safe for concurrent inference once initialised, like its members.
 */
final class MemberAverage extends AbstractBlock {
    private static final byte VERSION = 1;

    MemberAverage(List<Block> members) {
        super(VERSION);
        if (members.size() < 2) {
            throw new IllegalArgumentException("an ensemble needs at least 2 members, got " + members.size());
        }
        for (int i = 0; i < members.size(); i++) {
            addChildBlock("member" + i, members.get(i));
        }
    }

    /** Each member's unit embeddings {@code [N, D]}, in member order. */
    NDList forwardMembers(ParameterStore parameterStore, NDList inputs, boolean training) {
        NDList out = new NDList(children.size());
        for (Block member : children.values()) {
            out.add(member.forward(parameterStore, inputs, training).singletonOrThrow());
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList members = forwardMembers(parameterStore, inputs, training);
        return new NDList(ImageTower.l2Normalise(NDArrays.add(members.toArray(new NDArray[0]))));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block member : children.values()) {
            member.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return children.values().get(0).getOutputShapes(inputShapes);
    }
}
