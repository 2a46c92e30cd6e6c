/**
 * The evaluation report of one run: metrics per mode, analyses, paired bootstrap comparisons and timings,
 * written as JSON (schema version 1) and rendered as a markdown table.
 */
package io.jomed.training.report;
