/**
 * The Lucene knowledge base of prior cases: one on-disk index holding each case's image, report text,
 * metadata and its two frozen keys ({@code f0(image)} and {@code g0(text)}) as HNSW vector fields,
 * searched approximately and rescored exactly.
 */
package io.jomed.retriever.kb;
