/** Helpers of the speed and memory benchmarks (see {@code BENCHMARKS.md}). */
package io.jomed.training.benchmark;
