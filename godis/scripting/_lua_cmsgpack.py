"""Lua source of ``cmsgpack``: lua-cmsgpack 0.4.0 as Redis 7.0 vendors it (lua_cmsgpack.c)."""

from godis.scripting._lua_ieee import SOURCE as _IEEE

SOURCE = (
    r"""
local _, ERRTAG = ...
local type, next, pairs, tostring, tonumber, error, pcall, select, rawset, unpack =
  type, next, pairs, tostring, tonumber, error, pcall, select, rawset, unpack
local concat = table.concat
local sub = string.sub
"""
    + _IEEE
    + r"""
local INT_MAX = 2147483647
local TWO32, TWO63 = 4294967296, 9223372036854775808

local function throw(msg) error({ERRTAG, msg}, 0) end

-- spread(t, i, n): t[i..n] as results. unpack() refuses ~8000 results, which Redis returns.
local spread
function spread(t, i, n)
  if n - i < 100 then return unpack(t, i, n) end
  return t[i + 0], t[i + 1], t[i + 2], t[i + 3], t[i + 4], t[i + 5], t[i + 6], t[i + 7], t[i + 8], t[i + 9], t[i + 10], t[i + 11], t[i + 12], t[i + 13], t[i + 14], t[i + 15], t[i + 16], t[i + 17], t[i + 18], t[i + 19], t[i + 20], t[i + 21], t[i + 22], t[i + 23], t[i + 24], t[i + 25], t[i + 26], t[i + 27], t[i + 28], t[i + 29], t[i + 30], t[i + 31], t[i + 32], t[i + 33], t[i + 34], t[i + 35], t[i + 36], t[i + 37], t[i + 38], t[i + 39], t[i + 40], t[i + 41], t[i + 42], t[i + 43], t[i + 44], t[i + 45], t[i + 46], t[i + 47], t[i + 48], t[i + 49], t[i + 50], t[i + 51], t[i + 52], t[i + 53], t[i + 54], t[i + 55], t[i + 56], t[i + 57], t[i + 58], t[i + 59], t[i + 60], t[i + 61], t[i + 62], t[i + 63], t[i + 64], t[i + 65], t[i + 66], t[i + 67], t[i + 68], t[i + 69], t[i + 70], t[i + 71], t[i + 72], t[i + 73], t[i + 74], t[i + 75], t[i + 76], t[i + 77], t[i + 78], t[i + 79], t[i + 80], t[i + 81], t[i + 82], t[i + 83], t[i + 84], t[i + 85], t[i + 86], t[i + 87], t[i + 88], t[i + 89], t[i + 90], t[i + 91], t[i + 92], t[i + 93], t[i + 94], t[i + 95], t[i + 96], t[i + 97], t[i + 98], t[i + 99], spread(t, i + 100, n)
end

local function protect(f)
  return function(...)
    local ok, a, b = pcall(f, ...)
    if ok then
      if b then return spread(a, 1, b) end
      return a
    end
    if type(a) == "table" and a[1] == ERRTAG then error(a[2], 2) end
    error(a, 0)
  end
end

local function typename(n, ...)
  if select('#', ...) < n then return "no value" end
  return type((select(n, ...)))
end

-- ===== Encoding (mp_encode_lua_type) =====

local buf, nbuf

local function put(s) nbuf = nbuf + 1; buf[nbuf] = s end

local function u16be(n) return char(floor(n / 256), n % 256) end

local function u64be(n)   -- an integer, -2^63 <= n < 2^64
  local hi, lo = int64_halves(n)
  return u32be(hi) .. u32be(lo)
end

local function encode_int(n)
  if n >= 0 then
    if n <= 127 then put(char(n))
    elseif n <= 0xff then put(char(0xcc, n))
    elseif n <= 0xffff then put("\205" .. u16be(n))
    elseif n <= 0xffffffff then put("\206" .. u32be(n))
    else put("\207" .. u64be(n)) end
  else
    if n >= -32 then put(char(n + 256))
    elseif n >= -128 then put(char(0xd0, n + 256))
    elseif n >= -32768 then put("\209" .. u16be(n + 65536))
    elseif n >= -2147483648 then put("\210" .. u32be(n + TWO32))
    else put("\211" .. u64be(n)) end
  end
end

local function is_float(x)
  -- d == (double)(float)d, for a finite non-zero x.
  local m, e = frexp(x < 0 and -x or x)
  if e > 128 then return false end
  if e < -125 then
    if e < -148 then return false end
    local v = ldexp(x < 0 and -x or x, 149)
    return v == floor(v)
  end
  local v = ldexp(m, 24)
  return v == floor(v)
end

local function encode_number(n)
  if n == floor(n) and n >= -TWO63 and n < TWO63 then
    encode_int(n)
  elseif n ~= n then
    local hi, lo = double_bits(n)
    put("\203" .. u32be(hi) .. u32be(lo))
  elseif n == huge or n == -huge or is_float(n) then
    put("\202" .. u32be(float_bits(n)))
  else
    local hi, lo = double_bits(n)
    put("\203" .. u32be(hi) .. u32be(lo))
  end
end

local encode_value

local function is_array(t)
  local count, max = 0, 0
  for k in next, t do
    if type(k) ~= "number" or k <= 0 or k ~= floor(k) or k > INT_MAX then return false end
    if k > max then max = k end
    count = count + 1
  end
  return max == count
end

function encode_value(v, level)
  local tv = type(v)
  if tv == "table" and level == 16 then tv = "nil" end
  if tv == "string" then
    local len = #v
    if len < 32 then put(char(0xa0 + len))
    elseif len <= 0xff then put(char(0xd9, len))
    elseif len <= 0xffff then put("\218" .. u16be(len))
    else put("\219" .. u32be(len)) end
    put(v)
  elseif tv == "boolean" then
    put(v and "\195" or "\194")
  elseif tv == "number" then
    encode_number(v)
  elseif tv == "table" then
    if is_array(v) then
      local len = #v
      if len <= 15 then put(char(0x90 + len))
      elseif len <= 65535 then put("\220" .. u16be(len))
      else put("\221" .. u32be(len)) end
      for j = 1, len do encode_value(v[j], level + 1) end
    else
      local len = 0
      for _ in next, v do len = len + 1 end
      if len <= 15 then put(char(0x80 + len))
      elseif len <= 65535 then put("\222" .. u16be(len))
      else put("\223" .. u32be(len)) end
      for k, val in next, v do
        encode_value(k, level + 1)
        encode_value(val, level + 1)
      end
    end
  else
    put("\192")
  end
end

local function pack(...)
  local nargs = select('#', ...)
  if nargs == 0 then throw("bad argument #0 to 'pack' (MessagePack pack needs input.)") end
  buf, nbuf = {}, 0
  for i = 1, nargs do encode_value((select(i, ...)), 0) end
  local out = concat(buf)
  buf = nil
  return out
end

-- ===== Decoding (mp_decode_to_lua_type) =====

local s, p, slen

local EOF_ERR, BAD_ERR = "Missing bytes in input.", "Bad data format in input."

local function need(n) if slen - p + 1 < n then throw(EOF_ERR) end end

local decode_value

-- h is the height the C stack would have (LUAI_MAXCSTACK is 8000): Redis's luaL_checkstack
-- calls fail on deep nesting or too many results, and the same errors are raised here.
local MAXCSTACK = 8000

local function decode_array(len, h)
  if h + 2 > MAXCSTACK then throw("stack overflow (in function mp_decode_to_lua_array)") end
  local t = {}
  for i = 1, len do t[i] = decode_value(h + 2) end
  return t
end

local function decode_map(len, h)
  local t = {}
  for _ = 1, len do
    local k = decode_value(h + 1)
    rawset(t, k, decode_value(h + 2))   -- a C call: "table index is nil" carries no position
  end
  return t
end

local function be_u16(i) local a, b = byte(s, i, i + 1); return a * 256 + b end

local function raw(hdr, len)
  need(hdr + len)
  local v = sub(s, p + hdr, p + hdr + len - 1)
  p = p + hdr + len
  return v
end

function decode_value(h)
  need(1)
  if h + 1 > MAXCSTACK then
    throw("stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)")
  end
  local c = byte(s, p)
  if c < 0x80 then p = p + 1; return c end
  if c >= 0xe0 then p = p + 1; return c - 256 end
  if c >= 0xa0 and c < 0xc0 then return raw(1, c - 0xa0) end
  if c >= 0x90 and c < 0xa0 then p = p + 1; return decode_array(c - 0x90, h) end
  if c < 0x90 then p = p + 1; return decode_map(c - 0x80, h) end
  if c == 0xcc then need(2); p = p + 2; return byte(s, p - 1) end
  if c == 0xd0 then need(2); p = p + 2; local v = byte(s, p - 1); return v >= 128 and v - 256 or v end
  if c == 0xcd then need(3); p = p + 3; return be_u16(p - 2) end
  if c == 0xd1 then need(3); p = p + 3; local v = be_u16(p - 2); return v >= 32768 and v - 65536 or v end
  if c == 0xce then need(5); p = p + 5; return be_u32(s, p - 4) end
  if c == 0xd2 then need(5); p = p + 5; local v = be_u32(s, p - 4); return v >= 2147483648 and v - TWO32 or v end
  if c == 0xcf or c == 0xd3 then   -- lua_pushunsigned is lua_pushinteger on 64-bit builds
    need(9); p = p + 9
    local hi, lo = be_u32(s, p - 8), be_u32(s, p - 4)
    if hi >= 2147483648 then return (hi - TWO32) * TWO32 + lo end
    return hi * TWO32 + lo
  end
  if c == 0xc0 then p = p + 1; return nil end
  if c == 0xc3 then p = p + 1; return true end
  if c == 0xc2 then p = p + 1; return false end
  if c == 0xca then need(5); p = p + 5; return float_from_bits(be_u32(s, p - 4)) end
  if c == 0xcb then need(9); p = p + 9; return double_from_bits(be_u32(s, p - 8), be_u32(s, p - 4)) end
  if c == 0xd9 then need(2); return raw(2, byte(s, p + 1)) end
  if c == 0xda then need(3); return raw(3, be_u16(p + 1)) end
  if c == 0xdb then
    need(5)
    local len = be_u32(s, p + 1)
    p = p + 5
    return raw(0, len)
  end
  if c == 0xdc then need(3); local len = be_u16(p + 1); p = p + 3; return decode_array(len, h) end
  if c == 0xdd then need(5); local len = be_u32(s, p + 1); p = p + 5; return decode_array(len, h) end
  if c == 0xde then need(3); local len = be_u16(p + 1); p = p + 3; return decode_map(len, h) end
  if c == 0xdf then need(5); local len = be_u32(s, p + 1); p = p + 5; return decode_map(len, h) end
  throw(BAD_ERR)
end

local function check_integer(fname, i, v, present)
  local n = tonumber(v)
  if n == nil then
    throw("bad argument #" .. i .. " to '" .. fname .. "' (number expected, got " ..
          (present and type(v) or "no value") .. ")")
  end
  if n >= 0 then return floor(n) end
  return -floor(-n)
end

local function unpack_full(fname, data, present, limit, offset)
  local td = type(data)
  if td ~= "string" and td ~= "number" then
    throw("bad argument #1 to '" .. fname .. "' (string expected, got " ..
          (present and td or "no value") .. ")")
  end
  data = tostring(data)
  local len = #data
  local decode_all = limit == 0 and offset == 0
  if offset < 0 or limit < 0 then
    throw("Invalid request to unpack with offset of " .. offset .. " and limit of " .. len .. ".")
  elseif offset > len then
    throw("Start offset " .. offset .. " greater than input length " .. len .. ".")
  end
  if decode_all then limit = INT_MAX end
  s, p, slen = data, offset + 1, len
  local out, cnt = {}, 0
  if not decode_all then cnt = 1 end
  local done = 0
  while p <= slen and done < limit do
    local ok, v = pcall(decode_value, 1 + done)
    if not ok then s = nil; error(v, 0) end
    cnt = cnt + 1
    out[cnt] = v
    done = done + 1
  end
  if not decode_all then
    if 1 + done + 1 > MAXCSTACK then throw("stack overflow (in function mp_unpack_full)") end
    out[1] = p > slen and -1 or p - 1
  end
  s = nil
  return out, cnt
end

local function mp_unpack(...)
  return unpack_full("unpack", (...), select('#', ...) >= 1, 0, 0)
end

local function mp_unpack_one(...)
  local n = select('#', ...)
  local data, off = ...
  local offset = 0
  if off ~= nil then offset = check_integer("unpack_one", 2, off, true) end
  return unpack_full("unpack_one", data, n >= 1, 1, offset)
end

local function mp_unpack_limit(...)
  local n = select('#', ...)
  local data, lim, off = ...
  local limit = check_integer("unpack_limit", 2, lim, n >= 2)
  local offset = 0
  if off ~= nil then offset = check_integer("unpack_limit", 3, off, true) end
  return unpack_full("unpack_limit", data, n >= 1, limit, offset)
end

return {
  pack = protect(pack),
  unpack = protect(mp_unpack),
  unpack_one = protect(mp_unpack_one),
  unpack_limit = protect(mp_unpack_limit),
  _NAME = "cmsgpack",
  _VERSION = "lua-cmsgpack 0.4.0",
  _COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo",
  _DESCRIPTION = "MessagePack C implementation for Lua",
}
"""
)
