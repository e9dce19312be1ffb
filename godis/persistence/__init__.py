"""The only code that writes data files: the AOF, its loader and rewrite, the RDB codec and
file, background children, atomic file writes and the redis-check-aof/rdb tools."""
