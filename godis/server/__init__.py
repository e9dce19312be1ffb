"""The shell's network side, the only code that touches sockets: ``serve`` (nursery, listener,
background tasks, shutdown), ``connection`` (one task per client), ``outbound`` (MIGRATE's
connections) and ``embedded`` (``godis.Server``, a server inside a Python program)."""
