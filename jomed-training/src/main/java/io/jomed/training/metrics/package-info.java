/** Metrics of method.md §4.3 and the issue: accuracy, macro P/R/F1, ROC AUC, calibration, bootstrap intervals (paired and of one system). */
package io.jomed.training.metrics;
