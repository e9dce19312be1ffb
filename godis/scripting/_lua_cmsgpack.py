"""Lua source of ``cmsgpack``: lua-cmsgpack 0.4.0 as Redis 7.0 vendors it."""

SOURCE = r"""
return {}
"""
