/** Image preprocessing: any {@code MedicalImage} to the float tensor an image encoder expects. */
package io.jomed.retriever.image;
