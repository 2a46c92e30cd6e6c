/** Diagnoses with their evidence, and the logit fusion that produces them. */
package io.jomed.api.diagnosis;
