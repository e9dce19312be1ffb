"""Lua scripting: the libraries and engine behind EVAL, FUNCTION and FCALL."""
