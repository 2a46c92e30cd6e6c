/**
 * PNG charts written beside evaluation reports: {@link io.jomed.training.plot.LineChart} for training curves,
 * {@link io.jomed.training.plot.GroupedBarChart} for accuracy by subset per mode, and
 * {@link io.jomed.training.plot.ReportPlots} to build both from a report or a run's logged series. Rendering
 * uses only {@code java.awt} and {@code javax.imageio}, runs headless (it sets {@code java.awt.headless=true}
 * when the property is unset), is deterministic for the same input, and still writes a chart, without text,
 * when fonts cannot be used.
 */
package io.jomed.training.plot;
