/** Reading: label spaces, reader inputs and outputs and the {@link io.jomed.api.reading.Reader} contract. */
package io.jomed.api.reading;
