/** The service-provider interface: retrievers, readers, encoders and rerankers found by name. */
package io.jomed.api.spi;
