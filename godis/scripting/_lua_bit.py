"""Lua source of ``bit``: LuaBitOp 1.0.2 as Redis 7.0 vendors it (deps/lua/src/lua_bit.c)."""

SOURCE = r"""
local type, tonumber, error, select = type, tonumber, error, select
local floor, frexp, huge = math.floor, math.frexp, math.huge
local format, sub = string.format, string.sub

local TWO32, TWO31, TWO52, TWO53 = 4294967296, 2147483648, 4503599627370496, 9007199254740992
local MAGIC = 6755399441055744   -- 2^52 + 2^51, as barg() adds it

local function typename(n, ...)
  if select('#', ...) < n then return "no value" end
  return type((select(n, ...)))
end

-- barg(): the low 32 bits of the mantissa of n + 2^52 + 2^51, unsigned.
local function tou(fname, i, ...)
  local n = tonumber((select(i, ...)))
  if n == nil then
    error("bad argument #" .. i .. " to '" .. fname .. "' (number expected, got " ..
          typename(i, ...) .. ")", 3)
  end
  local x = n + MAGIC
  if x >= TWO52 and x < TWO53 then return (x - TWO52) % TWO32 end
  if x ~= x or x == huge or x == -huge or x == 0 then return 0 end
  if x < 0 then x = -x end
  local m, e = frexp(x)
  if e < -1021 then return (x * 2^1074) % TWO32 end   -- subnormal
  return (m * TWO53 - TWO52) % TWO32
end

local function ret(u)
  if u >= TWO31 then return u - TWO32 end
  return u
end

-- 4-bit lookup tables for the binary operators.
local AND, OR, XOR = {}, {}, {}
for a = 0, 15 do
  for b = 0, 15 do
    local r1, r2, r3, p, x, y = 0, 0, 0, 1, a, b
    for _ = 1, 4 do
      local xa, yb = x % 2, y % 2
      if xa == 1 and yb == 1 then r1 = r1 + p end
      if xa == 1 or yb == 1 then r2 = r2 + p end
      if xa ~= yb then r3 = r3 + p end
      x, y, p = (x - xa) / 2, (y - yb) / 2, p * 2
    end
    AND[a * 16 + b] = r1; OR[a * 16 + b] = r2; XOR[a * 16 + b] = r3
  end
end

local function binop(tbl, a, b)
  local r, p = 0, 1
  while a > 0 or b > 0 do
    local an, bn = a % 16, b % 16
    r = r + tbl[an * 16 + bn] * p
    a, b, p = (a - an) / 16, (b - bn) / 16, p * 16
  end
  return r
end

local function make_binop(fname, tbl, identity)
  return function(...)
    local b = tou(fname, 1, ...)
    for i = select('#', ...), 2, -1 do
      b = binop(tbl, b, tou(fname, i, ...))
    end
    return ret(b)
  end
end

local bit = {}

function bit.tobit(...) return ret(tou("tobit", 1, ...)) end
function bit.bnot(...) return ret(TWO32 - 1 - tou("bnot", 1, ...)) end
bit.band = make_binop("band", AND)
bit.bor = make_binop("bor", OR)
bit.bxor = make_binop("bxor", XOR)

function bit.lshift(...)
  local b = tou("lshift", 1, ...); local n = tou("lshift", 2, ...) % 32
  return ret((b * 2 ^ n) % TWO32)
end
function bit.rshift(...)
  local b = tou("rshift", 1, ...); local n = tou("rshift", 2, ...) % 32
  return ret(floor(b / 2 ^ n))
end
function bit.arshift(...)
  local b = tou("arshift", 1, ...); local n = tou("arshift", 2, ...) % 32
  return floor(ret(b) / 2 ^ n)
end
function bit.rol(...)
  local b = tou("rol", 1, ...); local n = tou("rol", 2, ...) % 32
  return ret((b * 2 ^ n) % TWO32 + floor(b / 2 ^ (32 - n)) % TWO32)
end
function bit.ror(...)
  local b = tou("ror", 1, ...); local n = tou("ror", 2, ...) % 32
  return ret((b * 2 ^ (32 - n)) % TWO32 + floor(b / 2 ^ n))
end
function bit.bswap(...)
  local b = tou("bswap", 1, ...)
  local b0 = b % 256; b = (b - b0) / 256
  local b1 = b % 256; b = (b - b1) / 256
  local b2 = b % 256; local b3 = (b - b2) / 256
  return ret(((b0 * 256 + b1) * 256 + b2) * 256 + b3)
end
function bit.tohex(...)
  local b = tou("tohex", 1, ...)
  local n = 8
  if select('#', ...) >= 2 then n = ret(tou("tohex", 2, ...)) end
  local f = "%08x"
  if n < 0 then
    n = -n; f = "%08X"   -- -INT_MIN overflows; Redis's build then behaves as n > 8
  end
  if n > 8 then n = 8 end
  if n == 0 then return "" end
  return sub(format(f, b), 9 - n)
end

return bit
"""
