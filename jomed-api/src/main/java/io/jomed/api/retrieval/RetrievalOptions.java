package io.jomed.api.retrieval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How many cases to retrieve and which to leave out: {@code k} per head (default 2, method.md §3),
 * exclusion of cases whose image has the query's content hash (a query never retrieves itself), and
 * exact-match metadata filters that a case must all satisfy.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class RetrievalOptions {
    /** {@code k = 2} per head, the query's own image excluded, no filters. */
    public static final RetrievalOptions DEFAULT = builder().build();

    private final int kPerHead;
    private final boolean excludeSameImage;
    private final String excludeCaseId;
    private final Map<String, String> filters;

    private RetrievalOptions(Builder b) {
        this.kPerHead = b.kPerHead;
        this.excludeSameImage = b.excludeSameImage;
        this.excludeCaseId = b.excludeCaseId;
        this.filters = Collections.unmodifiableMap(new LinkedHashMap<>(b.filters));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = builder().optKPerHead(kPerHead).optExcludeSameImage(excludeSameImage);
        b.excludeCaseId = excludeCaseId;
        b.filters.putAll(filters);
        return b;
    }

    public int kPerHead() {
        return kPerHead;
    }

    /** Whether cases whose image content hash equals the query image's are left out. */
    public boolean excludeSameImage() {
        return excludeSameImage;
    }

    /** A case id to leave out (the query's own record, when the knowledge base holds task examples). */
    public Optional<String> excludeCaseId() {
        return Optional.ofNullable(excludeCaseId);
    }

    /** Metadata key to required value; a case must match all of them. */
    public Map<String, String> filters() {
        return filters;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetrievalOptions r && r.kPerHead == kPerHead && r.excludeSameImage == excludeSameImage
                && Objects.equals(r.excludeCaseId, excludeCaseId) && r.filters.equals(filters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kPerHead, excludeSameImage, excludeCaseId, filters);
    }

    @Override
    public String toString() {
        return "RetrievalOptions[kPerHead=" + kPerHead + ", excludeSameImage=" + excludeSameImage
                + ", excludeCaseId=" + excludeCaseId + ", filters=" + filters + "]";
    }

    /** Builder for {@link RetrievalOptions}; not thread-safe. */
    public static final class Builder {
        private int kPerHead = 2;
        private boolean excludeSameImage = true;
        private String excludeCaseId;
        private final Map<String, String> filters = new LinkedHashMap<>();

        private Builder() {
        }

        /** Cases per head, 1 to 10,000; default 2. */
        public Builder optKPerHead(int k) {
            if (k < 1 || k > 10_000) {
                throw new IllegalArgumentException("kPerHead must be in [1, 10000], got " + k);
            }
            this.kPerHead = k;
            return this;
        }

        /** Default true. */
        public Builder optExcludeSameImage(boolean exclude) {
            this.excludeSameImage = exclude;
            return this;
        }

        public Builder optExcludeCaseId(String caseId) {
            this.excludeCaseId = Objects.requireNonNull(caseId, "caseId");
            return this;
        }

        public Builder optFilter(String metadataKey, String requiredValue) {
            filters.put(Objects.requireNonNull(metadataKey, "metadataKey"),
                    Objects.requireNonNull(requiredValue, "requiredValue"));
            return this;
        }

        public RetrievalOptions build() {
            return new RetrievalOptions(this);
        }
    }
}
