"""The databases, their values and encodings, expiry, eviction and the size model."""
