/** End-to-end experiments on real data: the closed-book, k-NN and standard-RAG comparison. */
package io.jomed.training.experiment;
