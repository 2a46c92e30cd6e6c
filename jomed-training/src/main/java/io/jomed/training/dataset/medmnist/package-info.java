/**
 * MedMNIST v2 2D datasets: the task catalogue ({@link io.jomed.training.dataset.medmnist.MedMnistTask}),
 * loading an official {@code .npz} file into splits ({@link io.jomed.training.dataset.medmnist.MedMnistDataset})
 * and finding or downloading the file with a verified checksum
 * ({@link io.jomed.training.dataset.medmnist.MedMnistLocator}).
 */
package io.jomed.training.dataset.medmnist;
