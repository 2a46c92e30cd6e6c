/** The joint trainer that runs the method's phases in order. */
package io.jomed.training.joint;
