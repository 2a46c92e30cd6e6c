/** The dual-head retriever and the partial-learning query encoder of each head. */
package io.jomed.retriever.retrieval;
