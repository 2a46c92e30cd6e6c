/** Key encoders: images and texts to unit vectors, identified by fingerprints. */
package io.jomed.api.encoding;
