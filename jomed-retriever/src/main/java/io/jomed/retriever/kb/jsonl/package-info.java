/**
 * The JSONL case format: one JSON object per line, {@code {"id": ..., "img_path": ..., "text": ..., ...}},
 * streamed as knowledge-base cases with images read from below one root folder.
 */
package io.jomed.retriever.kb.jsonl;
