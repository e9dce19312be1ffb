"""Lua source shared by ``struct`` and ``cmsgpack``: IEEE 754 binary32/binary64 <-> bytes.

Pure Lua 5.1 has no byte-level view of a double, so the bit patterns are computed with
``math.frexp``/``math.ldexp``; C's ``(float)d`` rounding (nearest, ties to even) is reproduced.
"""

SOURCE = r"""
local floor, frexp, ldexp, huge = math.floor, math.frexp, math.ldexp, math.huge
local char, byte, format = string.char, string.byte, string.format

local NAN = 0 / 0
local NEGNAN, POSNAN = NAN, -NAN
if format("%f", NAN):sub(1, 1) ~= "-" then NEGNAN, POSNAN = -NAN, NAN end

local function signbit(x)
  if x ~= x then return format("%f", x):sub(1, 1) == "-" end
  return x < 0 or (x == 0 and 1 / x < 0)
end

local function rhe(v)   -- round half to even
  local f = floor(v)
  local d = v - f
  if d > 0.5 or (d == 0.5 and f % 2 == 1) then f = f + 1 end
  return f
end

-- The 32-bit pattern of (float)x, as an unsigned number.
local function float_bits(x)
  local sign = signbit(x) and 2147483648 or 0
  if x ~= x then return sign + 0x7fc00000 end
  if x < 0 then x = -x end
  if x == huge then return sign + 0x7f800000 end
  if x == 0 then return sign end
  local m, e = frexp(x)
  local bits
  if e < -125 then
    bits = rhe(ldexp(x, 149))
  else
    bits = (e + 126) * 8388608 + (rhe(ldexp(m, 24)) - 8388608)
  end
  if bits >= 0x7f800000 then bits = 0x7f800000 end
  return sign + bits
end

-- The two 32-bit halves (high, low) of the pattern of double x.
local function double_bits(x)
  local sign = signbit(x) and 2147483648 or 0
  if x ~= x then return sign + 0x7ff80000, 0 end
  if x < 0 then x = -x end
  if x == huge then return sign + 0x7ff00000, 0 end
  if x == 0 then return sign, 0 end
  local m, e = frexp(x)
  local frac, exp
  if e < -1021 then
    frac, exp = ldexp(x, 1074), 0
  else
    frac, exp = ldexp(m, 53) - 4503599627370496, e + 1022
  end
  local low = frac % 4294967296
  return sign + exp * 1048576 + (frac - low) / 4294967296, low
end

local function float_from_bits(bits)
  local neg = bits >= 2147483648
  if neg then bits = bits - 2147483648 end
  local exp = floor(bits / 8388608)
  local frac = bits % 8388608
  local v
  if exp == 255 then
    if frac ~= 0 then return neg and NEGNAN or POSNAN end
    v = huge
  elseif exp == 0 then
    v = ldexp(frac, -149)
  else
    v = ldexp(frac + 8388608, exp - 150)
  end
  if neg then return -v end
  return v
end

local function double_from_bits(hi, lo)
  local neg = hi >= 2147483648
  if neg then hi = hi - 2147483648 end
  local exp = floor(hi / 1048576)
  local frac = (hi % 1048576) * 4294967296 + lo
  local v
  if exp == 2047 then
    if frac ~= 0 then return neg and NEGNAN or POSNAN end
    v = huge
  elseif exp == 0 then
    v = ldexp(frac, -1074)
  else
    v = ldexp(frac + 4503599627370496, exp - 1075)
  end
  if neg then return -v end
  return v
end

-- Unsigned 32-bit number <-> 4 big-endian bytes.
local function u32be(u)
  local b3 = u % 256; u = (u - b3) / 256
  local b2 = u % 256; u = (u - b2) / 256
  local b1 = u % 256
  return char((u - b1) / 256, b1, b2, b3)
end

local function be_u32(s, i)
  local a, b, c, d = byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

-- The two 32-bit halves (high, low) of the 64-bit two's complement of integer n,
-- exact for -2^63 <= n < 2^64.
local function int64_halves(n)
  if n >= 0 then
    local lo = n % 4294967296
    return (n - lo) / 4294967296, lo
  end
  local a = -n
  local alo = a % 4294967296
  local ahi = (a - alo) / 4294967296
  return (4294967295 - ahi + (alo == 0 and 1 or 0)) % 4294967296, (4294967296 - alo) % 4294967296
end
"""
