/** The knowledge base of prior cases and the case value type. */
package io.jomed.api.kb;
