/** Retriever-side rerankers: rescoring the retrieved evidence with another similarity. */
package io.jomed.retriever.reranking;
