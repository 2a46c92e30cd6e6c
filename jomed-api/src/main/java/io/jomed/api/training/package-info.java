/** Training contracts: task examples, the joint trainer and its product. */
package io.jomed.api.training;
