/**
 * Reading numpy {@code .npy} arrays and {@code .npz} archives with the JDK alone: {@link
 * io.jomed.training.dataset.npy.NpzFile} opens an archive, {@link io.jomed.training.dataset.npy.NpyArray}
 * is one immutable array with typed accessors.
 */
package io.jomed.training.dataset.npy;
