"""LOLWUT: computer art and the version (Redis's lolwut.c, lolwut5.c, lolwut6.c).

The version printed is the Redis version godis follows (``REDIS_COMPAT_VERSION``, as INFO's
``redis_version``), so LOLWUT picks the same drawing as Redis 7.0.15 (none: just the version)
and every drawing ends as Redis's does. Redis draws with the C library's ``rand()`` seeded from
the clock and pid, so the random parts (Schotter's lower rows, the skyline) are random here too:
the same arguments give the same picture wherever Redis's is deterministic.
"""

from __future__ import annotations

import math
import random
import struct

from godis import REDIS_COMPAT_VERSION
from godis.client import Client
from godis.protocol.writer import Reply, Verbatim
from godis.table import command
from godis.util import parse_int

_RAND_MAX = 2**31 - 1


def _rand() -> int:
    """C's ``rand()``: 0 .. RAND_MAX."""
    return random.randrange(_RAND_MAX + 1)


def _f32(value: float) -> float:
    """``value`` stored in a C ``float``, as lolwut's arithmetic keeps it."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def _c_round(value: float) -> int:
    """C's ``round()``: halves away from zero."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class _Canvas:
    """``lwCanvas``: width x height pixels of colour 0..3; drawing outside is ignored."""

    def __init__(self, width: int, height: int, color: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray([color]) * (width * height)

    def draw(self, x: int, y: int, color: int) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[x + y * self.width] = color

    def get(self, x: int, y: int) -> int:
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.pixels[x + y * self.width]
        return 0

    def line(self, x1: int, y1: int, x2: int, y2: int, color: int) -> None:
        """``lwDrawLine``: Bresenham."""
        dx, dy = abs(x2 - x1), abs(y2 - y1)
        sx = 1 if x1 < x2 else -1
        sy = 1 if y1 < y2 else -1
        err = dx - dy
        while True:
            self.draw(x1, y1, color)
            if x1 == x2 and y1 == y2:
                break
            e2 = err * 2
            if e2 > -dy:
                err -= dy
                x1 += sx
            if e2 < dx:
                err += dx
                y1 += sy

    def square(self, x: int, y: int, size: float, angle: float, color: int) -> None:
        """``lwDrawSquare``: a square of side ``size`` centred on x,y, rotated by ``angle``."""
        size = _f32(_c_round(_f32(size / 1.4142135623)))
        k = _f32(math.pi / 4 + angle)
        points = []
        for _ in range(4):
            points.append((_c_round(math.sin(k) * size + x), _c_round(math.cos(k) * size + y)))
            k = _f32(k + math.pi / 2)
        for j in range(4):
            (ax, ay), (bx, by) = points[j], points[(j + 1) % 4]
            self.line(ax, ay, bx, by, color)


def _schotter(cols: int, per_row: int, per_col: int) -> _Canvas:
    """``lwDrawSchotter``: rows of squares, more and more rotated and shifted going down."""
    width = cols * 2
    padding = 2 if width > 4 else 0
    side = _f32((width - padding * 2) / per_row)
    canvas = _Canvas(width, int(_f32(side * per_col) + padding * 2), 0)
    for y in range(per_col):
        for x in range(per_row):
            sx = int(_f32(_f32(_f32(x * side) + _f32(side / 2)) + padding))
            sy = int(_f32(_f32(_f32(y * side) + _f32(side / 2)) + padding))
            angle = 0.0
            if y > 1:
                r1, r2, r3 = (_f32(_f32(_f32(_rand() / _RAND_MAX) / per_col) * y)
                              for _ in range(3))
                if _rand() % 2:
                    r1 = -r1
                if _rand() % 2:
                    r2 = -r2
                if _rand() % 2:
                    r3 = -r3
                angle = r1
                sx = int(sx + _f32(_f32(r2 * side) / 3))
                sy = int(sy + _f32(_f32(r3 * side) / 3))
            canvas.square(sx, sy, side, angle, 1)
    return canvas


def _braille(canvas: _Canvas) -> bytes:
    """lolwut5's ``renderCanvas``: each 2x4 pixel block as one Braille character."""
    lines = []
    for y in range(0, canvas.height, 4):
        row = []
        for x in range(0, canvas.width, 2):
            bits = 0
            for bit, (dx, dy) in enumerate(((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2),
                                            (0, 3), (1, 3))):
                if canvas.get(x + dx, y + dy):
                    bits |= 1 << bit
            row.append(chr(0x2800 + bits))
        lines.append("".join(row))
    text = "\n".join(lines)
    if not lines or (canvas.height - 1) % 4 == 0:  # the last row started at height-1: no newline after it
        return text.encode()
    return (text + "\n").encode()


def _lolwut5(args: list[bytes]) -> bytes:
    """``lolwut5Command``: [columns] [squares per row] [squares per column]."""
    cols = parse_int(args[0]) if len(args) > 0 else 66
    per_row = parse_int(args[1]) if len(args) > 1 else 8
    per_col = parse_int(args[2]) if len(args) > 2 else 12
    canvas = _schotter(_clamp(cols, 1, 1000), _clamp(per_row, 1, 200), _clamp(per_col, 1, 200))
    return (_braille(canvas) + b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "
            + REDIS_COMPAT_VERSION.encode() + b"\n")


def _skyscraper(canvas: _Canvas, xoff: int, width: int, height: int, windows: bool,
                color: int) -> None:
    """``generateSkyscraper``: a block with a narrower roof, windows in random grays."""
    starty = canvas.height - 1
    endy = starty - height + 1
    for y in range(starty, endy - 1, -1):
        for x in range(xoff, xoff + width):
            if y == endy and (x <= xoff + 1 or x >= xoff + width - 2):
                continue
            pixel = color
            if windows and xoff + 1 < x < xoff + width - 2 and endy + 1 < y < starty - 1:
                relx, rely = x - (xoff + 1), y - (endy + 1)
                if (relx // 2) % 2 and rely % 2:
                    pixel = 1 + _rand() % 2
                    while pixel == color:
                        pixel = 1 + _rand() % 2
                    if relx % 2:
                        pixel = canvas.get(x - 1, y)
            canvas.draw(x, y, pixel)


def _skyline(canvas: _Canvas) -> None:
    """``generateSkyline``: two gray backgrounds, then black skyscrapers with windows."""
    height = canvas.height
    for color in (2, 1):
        offset = -10
        while offset < canvas.width:
            offset += _rand() % 8
            width = 10 + _rand() % 9
            if color == 2:
                tall = height // 2 + (_rand() % height) // 2
            else:
                tall = height // 2 + (_rand() % height) // 3
            _skyscraper(canvas, offset, width, tall, False, color)
            offset += width // 2 if color == 2 else width + 1
    offset = -10
    while offset < canvas.width:
        offset += _rand() % 8
        width = 5 + _rand() % 14
        if width % 4:
            width += width % 3
        tall = height // 3 + (_rand() % height) // 2
        _skyscraper(canvas, offset, width, tall, True, 0)
        offset += width + 5


_GRAYS = (b"0;30;40m", b"0;90;100m", b"0;37;47m", b"0;97;107m")


def _lolwut6(args: list[bytes]) -> bytes:
    """``lolwut6Command``: [columns] [rows], a skyline in the terminal's four grays."""
    cols = parse_int(args[0]) if len(args) > 0 else 80
    rows = parse_int(args[1]) if len(args) > 1 else 20
    canvas = _Canvas(_clamp(cols, 1, 1000), _clamp(rows, 1, 1000), 3)
    _skyline(canvas)
    lines = [b"".join(b"\033[" + _GRAYS[canvas.get(x, y)] + b" \033[0m"
                      for x in range(canvas.width)) for y in range(canvas.height)]
    return (b"\n".join(lines)
            + b"\nDedicated to the 8 bit game developers of past and present.\n"
            b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. "
            + REDIS_COMPAT_VERSION.encode() + b"\n")


@command("lolwut", arity=-1, flags="readonly fast", group="server", since="5.0.0",
         summary="Display some computer art and the Redis version")
def lolwut_command(client: Client, argv: list[bytes]) -> Reply:
    """``lolwutCommand``: VERSION v picks the drawing of Redis v (as ``"%u.0.0"``), else the
    running version's; 5 draws Schotter, 6 the skyline, others only print the version."""
    version = REDIS_COMPAT_VERSION
    args = argv[1:]
    if len(argv) >= 3 and argv[1].lower() == b"version":
        version = f"{parse_int(argv[2]) % 2**32}.0.0"
        args = argv[3:]
    head = version[:3]
    if (head[:2] == "5." and head[2:] != "9") or head == "4.9":
        text = _lolwut5(args)
    elif (head[:2] == "6." and head[2:] != "9") or head == "5.9":
        text = _lolwut6(args)
    else:
        text = b"Redis ver. " + REDIS_COMPAT_VERSION.encode() + b"\n"
    return Verbatim(text)
