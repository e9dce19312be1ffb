"""RESP on bytes, no I/O: ``reader`` turns received bytes into argv lists, ``writer`` turns
reply values into RESP2/RESP3 bytes."""
