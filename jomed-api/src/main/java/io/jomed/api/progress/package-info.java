/** Progress events and cancellation for long jobs (ingest, training, evaluation). */
package io.jomed.api.progress;
