/** Decoded images as the library sees them: pixels, shape and a content hash. */
package io.jomed.api.image;
