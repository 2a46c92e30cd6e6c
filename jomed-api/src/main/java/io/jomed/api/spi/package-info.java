/** The service-provider interface: retrievers, readers and encoders found by name. */
package io.jomed.api.spi;
