"""The interpreter's switch interval while a helper thread works beside the main one.

A thread that comes back from C code which let go of the interpreter's lock (zlib inflating,
calamine parsing, pyarrow reading) waits for the lock until the thread holding it has run its
slice: 5 ms by default. Where one side makes many such calls (61 pieces of a 244 MB sheet
inflated; some fifty pyarrow calls of a CSV read) and the other holds the lock meanwhile (an
import), those waits add up to a quarter of a second. While the helper works, the slice is
:data:`SHORT_SWITCH_INTERVAL`; the caller puts the one it found back.
"""

from __future__ import annotations

#: seconds: the switch interval while a helper thread works (issue 12)
SHORT_SWITCH_INTERVAL = 0.0005
