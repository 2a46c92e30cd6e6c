/** Learning-rate schedules for the training loops. */
package io.jomed.training.schedule;
