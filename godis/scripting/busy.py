"""The -BUSY replies other clients get while a script runs past busy-reply-threshold."""

BUSY_SCRIPT = ("BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
               "SHUTDOWN NOSAVE.")
BUSY_FUNCTION = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE.")
