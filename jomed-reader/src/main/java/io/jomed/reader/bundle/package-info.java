/**
 * The versioned model bundle: one folder that holds everything a diagnosis pipeline needs (image key encoder
 * {@code f0}, trained query towers, reader, label space, preset, encoder fingerprints, optionally the knowledge
 * base) with a SHA-256 checksum per file. {@link io.jomed.reader.bundle.ModelBundleWriter} writes one,
 * {@link io.jomed.reader.bundle.ModelBundle#read} verifies one and {@link io.jomed.reader.bundle.LoadedPipeline}
 * opens one as a ready {@link io.jomed.api.Jomed} pipeline.
 */
package io.jomed.reader.bundle;
