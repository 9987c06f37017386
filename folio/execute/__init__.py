"""Executing posts: kernels, the cache and its key, frozen GPU results, shards."""
