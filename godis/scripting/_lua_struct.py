"""Lua source of ``struct``: Roberto Ierusalimschy's library as Redis 7.0 vendors it (lua_struct.c).

Integers go through two 32-bit halves so that 64-bit patterns stay exact; the platform is
x86-64 as Redis's is: native little endian, ``long``/``size_t`` 8 bytes, MAXALIGN 8.
"""

from godis.scripting._lua_ieee import SOURCE as _IEEE

SOURCE = (
    r"""
local _, ERRTAG = ...
local type, tostring, tonumber, error, pcall, select, unpack =
  type, tostring, tonumber, error, pcall, select, unpack
local concat = table.concat
local sub, find, rep, reverse = string.sub, string.find, string.rep, string.reverse
"""
    + _IEEE
    + r"""
local INT_MAX = 2147483647
local TWO32 = 4294967296
local MAXINTSIZE, MAXALIGN = 32, 8

local function throw(msg) error({ERRTAG, msg}, 0) end

local function protect(f)
  return function(...)
    local ok, a, b = pcall(f, ...)
    if ok then
      if b then return unpack(a, 1, b) end
      return a
    end
    if type(a) == "table" and a[1] == ERRTAG then error(a[2], 2) end
    error(a, 0)
  end
end

local function argerror(fname, n, msg)
  throw("bad argument #" .. n .. " to '" .. fname .. "' (" .. msg .. ")")
end

local SIZES = { B = 1, b = 1, H = 2, h = 2, L = 8, l = 8, T = 8, f = 4, d = 8, x = 1 }
local INTS = { B = true, b = true, H = true, h = true, L = true, l = true, T = true,
               i = true, I = true }

-- getnum(): digits at fmt[i..]; returns value (or default) and the next index.
local function getnum(fmt, i, default)
  local digits = fmt:match("^%d+", i)
  if not digits then return default, i end
  local a = 0
  for k = 1, #digits do
    local d = byte(digits, k) - 48
    if a > floor(INT_MAX / 10) or a * 10 > INT_MAX - d then throw("integral size overflow") end
    a = a * 10 + d
  end
  return a, i + #digits
end

local function optsize(opt, fmt, i)
  local size = SIZES[opt]
  if size then return size, i end
  if opt == "c" then return getnum(fmt, i, 1) end
  if opt == "i" or opt == "I" then
    local sz
    sz, i = getnum(fmt, i, 4)
    if sz > MAXINTSIZE then
      throw("integral size " .. sz .. " is larger than limit of " .. MAXINTSIZE)
    end
    return sz, i
  end
  return 0, i
end

local function small_band(a, b)
  local r, p = 0, 1
  while a > 0 and b > 0 do
    local x, y = a % 2, b % 2
    if x == 1 and y == 1 then r = r + p end
    a, b, p = (a - x) / 2, (b - y) / 2, p * 2
  end
  return r
end

local function gettoalign(len, align, opt, size)
  if size == 0 or opt == "c" then return 0 end
  if size > align then size = align end
  return small_band(size - small_band(len, size - 1), size - 1)
end

-- controloptions(): returns endian, align (little = true).
local function controloptions(fname, opt, fmt, i, little, align)
  if opt == " " then return little, align, i end
  if opt == ">" then return false, align, i end
  if opt == "<" then return true, align, i end
  if opt == "!" then
    local a
    a, i = getnum(fmt, i, MAXALIGN)
    if not (a > 0 and small_band(a, a - 1) == 0) then
      throw("alignment " .. a .. " is not a power of 2")
    end
    return little, a, i
  end
  argerror(fname, 1, "invalid format option '" .. opt .. "'")
end

local function checkformat(fname, n, ...)
  local fmt = ...
  local t = type(fmt)
  if t == "number" then return tostring(fmt) end
  if t ~= "string" then
    argerror(fname, 1, "string expected, got " .. (n >= 1 and t or "no value"))
  end
  return fmt
end

local function int_bytes(n, size, little)
  -- (Uinttype)(Inttype)n or (Uinttype)n, as size bytes; out-of-range values as x86-64
  -- converts them (NaN and below -2^63: INT64_MIN; 2^64 and above: 0).
  if n ~= n then n = -9223372036854775808 end
  if n < 0 then n = -floor(-n) else n = floor(n) end
  if n < -9223372036854775808 then n = -9223372036854775808 end
  if n >= 18446744073709551616 then n = 0 end     -- what x86-64's double -> uint64 gives
  local hi, lo = int64_halves(n)
  local le = reverse(u32be(lo)) .. reverse(u32be(hi))
  if size <= 8 then le = sub(le, 1, size) else le = le .. rep("\0", size - 8) end
  if little then return le end
  return reverse(le)
end

local function bytes_int(data, pos, size, little, signed)
  local chunk = sub(data, pos, pos + size - 1)
  if not little then chunk = reverse(chunk) end    -- now least significant first
  if size > 8 then chunk = sub(chunk, 1, 8) end
  chunk = chunk .. rep("\0", 8 - #chunk)
  local lo = be_u32(reverse(sub(chunk, 1, 4)), 1)
  local hi = be_u32(reverse(sub(chunk, 5, 8)), 1)
  if signed then
    local sh = (size * 8 - 1) % 64
    if sh < 32 then
      local m = 2 ^ sh
      if lo >= m or hi > 0 then
        lo = lo % m + (TWO32 - m)
        hi = TWO32 - 1
      end
    else
      local m = 2 ^ (sh - 32)
      if hi >= m then hi = hi % m + (TWO32 - m) end
    end
    if hi >= 2147483648 then return (hi - TWO32) * TWO32 + lo end
  end
  return hi * TWO32 + lo
end

local function pack(...)
  local nargs = select('#', ...)
  local fmt = checkformat("pack", nargs, ...)
  local little, align = true, 1
  local out, nout = {}, 0
  local arg = 2
  local totalsize = 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    local toalign = gettoalign(totalsize, align, opt, size)
    totalsize = totalsize + toalign
    if toalign > 0 then nout = nout + 1; out[nout] = rep("\0", toalign) end
    if INTS[opt] or opt == "f" or opt == "d" then
      local v = select(arg, ...)
      local n = tonumber(v)
      if n == nil then argerror("pack", arg, "number expected, got " .. type(v)) end
      arg = arg + 1
      nout = nout + 1
      if opt == "f" then
        local s = u32be(float_bits(n))
        out[nout] = little and reverse(s) or s
      elseif opt == "d" then
        local hi, lo = double_bits(n)
        local s = u32be(hi) .. u32be(lo)
        out[nout] = little and reverse(s) or s
      else
        out[nout] = int_bytes(n, size, little)
      end
    elseif opt == "x" then
      nout = nout + 1; out[nout] = "\0"
    elseif opt == "c" or opt == "s" then
      local v = select(arg, ...)
      local tv = type(v)
      if tv == "number" then v = tostring(v)
      elseif tv ~= "string" then argerror("pack", arg, "string expected, got " .. tv) end
      arg = arg + 1
      local l = #v
      if size == 0 then size = l end
      if l < size then argerror("pack", arg, "string too short") end
      nout = nout + 1; out[nout] = sub(v, 1, size)
      if opt == "s" then
        nout = nout + 1; out[nout] = "\0"
        size = size + 1
      end
    else
      little, align, i = controloptions("pack", opt, fmt, i, little, align)
    end
    totalsize = totalsize + size
  end
  return concat(out)
end

local function struct_unpack(...)
  local nargs = select('#', ...)
  local fmt = checkformat("unpack", nargs, ...)
  local _, data, init = ...
  local td = type(data)
  if td == "number" then data = tostring(data)
  elseif td ~= "string" then
    argerror("unpack", 2, "string expected, got " .. (nargs >= 2 and td or "no value"))
  end
  local pos = 1
  if init ~= nil then
    pos = tonumber(init)
    if pos == nil then argerror("unpack", 3, "number expected, got " .. type(init)) end
    if pos >= 0 then pos = floor(pos) else pos = -floor(-pos) end
  end
  if pos == 0 then argerror("unpack", 3, "offset must be 1 or greater") end
  local wrapped = pos < 0          -- size_t wrap-around: every option fails the length check
  pos = pos - 1                    -- 0-based from here
  local ld = #data
  local little, align = true, 1
  local res, n = {}, 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local size
    size, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, align, opt, size)
    if wrapped or not (size <= ld and pos <= ld - size) then
      argerror("unpack", 2, "data string too short")
    end
    if INTS[opt] then
      n = n + 1
      res[n] = bytes_int(data, pos + 1, size, little, find(opt, "%l") ~= nil)
    elseif opt == "x" then
      -- padding only
    elseif opt == "f" then
      local s = sub(data, pos + 1, pos + 4)
      if little then s = reverse(s) end
      n = n + 1; res[n] = float_from_bits(be_u32(s, 1))
    elseif opt == "d" then
      local s = sub(data, pos + 1, pos + 8)
      if little then s = reverse(s) end
      n = n + 1; res[n] = double_from_bits(be_u32(s, 1), be_u32(s, 5))
    elseif opt == "c" then
      if size == 0 then
        local prev = n > 0 and tonumber(res[n])
        if not prev then throw("format 'c0' needs a previous size") end
        if prev >= 0 then size = floor(prev) else size = -1 end
        res[n] = nil
        n = n - 1
        if size < 0 or not (size <= ld and pos <= ld - size) then
          argerror("unpack", 2, "data string too short")
        end
      end
      n = n + 1; res[n] = sub(data, pos + 1, pos + size)
    elseif opt == "s" then
      local e = find(data, "\0", pos + 1, true)
      if not e then throw("unfinished string in data") end
      size = e - pos
      n = n + 1; res[n] = sub(data, pos + 1, e - 1)
    else
      little, align, i = controloptions("unpack", opt, fmt, i, little, align)
    end
    pos = pos + size
  end
  n = n + 1
  res[n] = pos + 1
  return res, n
end

local function size(...)
  local fmt = checkformat("size", select('#', ...), ...)
  local little, align = true, 1
  local pos = 0
  local i, flen = 1, #fmt
  while i <= flen do
    local opt = sub(fmt, i, i)
    i = i + 1
    local sz
    sz, i = optsize(opt, fmt, i)
    pos = pos + gettoalign(pos, align, opt, sz)
    if opt == "s" then
      argerror("size", 1, "option 's' has no fixed size")
    elseif opt == "c" and sz == 0 then
      argerror("size", 1, "option 'c0' has no fixed size")
    end
    if not find(opt, "%w") then
      little, align, i = controloptions("size", opt, fmt, i, little, align)
    end
    pos = pos + sz
  end
  return pos
end

return { pack = protect(pack), unpack = protect(struct_unpack), size = protect(size) }
"""
)
