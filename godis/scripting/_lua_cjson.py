"""Lua source of ``cjson``: lua-cjson 2.1.0 as Redis 7.0 vendors it (deps/lua/src/lua_cjson.c)."""

SOURCE = r"""
local null, ERRTAG = ...
local type, next, pairs, tostring, tonumber, error, pcall, select, rawget =
  type, next, pairs, tostring, tonumber, error, pcall, select, rawget
local floor, huge = math.floor, math.huge
local byte, sub, find, format, gsub, char, match, lower =
  string.byte, string.sub, string.find, string.format, string.gsub, string.char, string.match,
  string.lower
local concat = table.concat

local INT_MAX = 2147483647

local function throw(msg) error({ERRTAG, msg}, 0) end

local function typename(n, ...)
  if select('#', ...) < n then return "no value" end
  return type((select(n, ...)))
end

local function argerror(fname, n, extramsg)
  throw("bad argument #" .. n .. " to '" .. fname .. "' (" .. extramsg .. ")")
end

local function protect(f, three)
  -- The library functions raise tagged errors; re-raise them at the caller's level, as
  -- luaL_error would from a C function. Other errors pass unchanged.
  if three then
    return function(...)
      local ok, a, b, c = pcall(f, ...)
      if ok then return a, b, c end
      if type(a) == "table" and a[1] == ERRTAG then error(a[2], 2) end
      error(a, 0)
    end
  end
  return function(...)
    local ok, a = pcall(f, ...)
    if ok then return a end
    if type(a) == "table" and a[1] == ERRTAG then error(a[2], 2) end
    error(a, 0)
  end
end

local ESCAPES = {}
for i = 0, 31 do ESCAPES[char(i)] = format("\\u%04x", i) end
ESCAPES["\b"] = "\\b"; ESCAPES["\t"] = "\\t"; ESCAPES["\n"] = "\\n"
ESCAPES["\f"] = "\\f"; ESCAPES["\r"] = "\\r"; ESCAPES['"'] = '\\"'
ESCAPES["\\"] = "\\\\"; ESCAPES["/"] = "\\/"; ESCAPES["\127"] = "\\u007f"

local UNESCAPES = {
  [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [116] = "\t",
  [110] = "\n", [102] = "\f", [114] = "\r",
}

local function new_instance()
  -- The configuration (json_config_t) as upvalues of this instance's functions.
  local sparse_convert, sparse_ratio, sparse_safe = false, 2, 10
  local encode_max_depth, decode_max_depth = 1000, 1000
  local encode_invalid = 0          -- 0 off, 1 on, 2 null
  local decode_invalid = true
  local keep_buffer = true
  local number_fmt = "%.14g"
  local precision = 14

  local function integer_option(fname, index, setting, min, max, v)
    if v ~= nil then
      local n = tonumber(v)
      if n == nil then argerror(fname, index, "number expected, got " .. type(v)) end
      if n >= 0 then n = floor(n) else n = -floor(-n) end
      if n > INT_MAX or n < -INT_MAX - 1 or n ~= n then n = -INT_MAX - 1 end
      if not (min <= n and n <= max) then
        argerror(fname, 1, "expected integer between " .. min .. " and " .. max)
      end
      return n
    end
    return setting
  end

  local function enum_option(fname, index, setting, options, v)
    -- Returns the new setting (0-based option index).
    if v == nil then return setting end
    if type(v) == "boolean" then return v and 1 or 0 end
    local tv = type(v)
    if tv ~= "string" and tv ~= "number" then
      argerror(fname, index, "string expected, got " .. tv)
    end
    local s = tostring(v)
    for i = 1, #options do
      if options[i] == s then return i - 1 end
    end
    argerror(fname, index, "invalid option '" .. s .. "'")
  end

  local function enum_result(setting, options)
    if setting == 0 then return false end
    if setting == 1 then return true end
    return options[setting + 1]
  end

  local function check_args(fname, max, ...)
    if select('#', ...) > max then argerror(fname, max + 1, "found too many arguments") end
  end

  local BOOL = {"off", "on"}
  local INVALID = {"off", "on", "null"}

  local cjson = {}

  local function cfg_encode_sparse_array(...)
    check_args("encode_sparse_array", 3, ...)
    local convert, ratio, safe = ...
    sparse_convert = enum_option("encode_sparse_array", 1, sparse_convert and 1 or 0, BOOL, convert) == 1
    sparse_ratio = integer_option("encode_sparse_array", 2, sparse_ratio, 0, INT_MAX, ratio)
    sparse_safe = integer_option("encode_sparse_array", 3, sparse_safe, 0, INT_MAX, safe)
    return sparse_convert, sparse_ratio, sparse_safe
  end

  local function cfg_encode_max_depth(...)
    check_args("encode_max_depth", 1, ...)
    encode_max_depth = integer_option("encode_max_depth", 1, encode_max_depth, 1, INT_MAX, (...))
    return encode_max_depth
  end

  local function cfg_decode_max_depth(...)
    check_args("decode_max_depth", 1, ...)
    decode_max_depth = integer_option("decode_max_depth", 1, decode_max_depth, 1, INT_MAX, (...))
    return decode_max_depth
  end

  local function cfg_encode_number_precision(...)
    check_args("encode_number_precision", 1, ...)
    precision = integer_option("encode_number_precision", 1, precision, 1, 14, (...))
    number_fmt = "%." .. precision .. "g"
    return precision
  end

  local function cfg_encode_keep_buffer(...)
    check_args("encode_keep_buffer", 1, ...)
    keep_buffer = enum_option("encode_keep_buffer", 1, keep_buffer and 1 or 0, BOOL, (...)) == 1
    return keep_buffer
  end

  local function cfg_encode_invalid_numbers(...)
    check_args("encode_invalid_numbers", 1, ...)
    encode_invalid = enum_option("encode_invalid_numbers", 1, encode_invalid, INVALID, (...))
    return enum_result(encode_invalid, INVALID)
  end

  local function cfg_decode_invalid_numbers(...)
    check_args("decode_invalid_numbers", 1, ...)
    decode_invalid = enum_option("decode_invalid_numbers", 1, decode_invalid and 1 or 0, BOOL, (...)) == 1
    return decode_invalid
  end

  -- ===== Encoding (json_append_data and friends) =====

  local buf, nbuf

  local function append_number(num)
    if num ~= num or num == huge or num == -huge then
      if encode_invalid == 0 then throw("Cannot serialise number: must not be NaN or Inf") end
      if encode_invalid == 2 then return "null" end
      if num ~= num then return "nan" end
    end
    return format(number_fmt, num)
  end

  local function array_length(t)
    -- lua_array_length: -1 for an object, else the highest index.
    local max, items = 0, 0
    for k in next, t do
      if type(k) == "number" and k ~= 0 and floor(k) == k and k >= 1 then
        -- max is a C int: x86 turns an out-of-range conversion into INT_MIN.
        if k > max then max = k < 2147483648 and k or -2147483648 end
        items = items + 1
      else
        return -1
      end
    end
    if sparse_ratio > 0 and max > items * sparse_ratio and max > sparse_safe then
      if not sparse_convert then throw("Cannot serialise table: excessively sparse array") end
      return -1
    end
    return max
  end

  local append

  function append(v, depth)
    local tv = type(v)
    if tv == "string" then
      nbuf = nbuf + 1
      buf[nbuf] = '"' .. gsub(v, '[%c"\\/]', ESCAPES) .. '"'
    elseif tv == "number" then
      nbuf = nbuf + 1
      buf[nbuf] = append_number(v)
    elseif tv == "boolean" then
      nbuf = nbuf + 1
      buf[nbuf] = v and "true" or "false"
    elseif tv == "table" then
      depth = depth + 1
      if depth > encode_max_depth then
        throw("Cannot serialise, excessive nesting (" .. depth .. ")")
      end
      local len = array_length(v)
      if len > 0 then
        nbuf = nbuf + 1
        buf[nbuf] = "["
        for i = 1, len do
          if i > 1 then nbuf = nbuf + 1; buf[nbuf] = "," end
          append(rawget(v, i), depth)
        end
        nbuf = nbuf + 1
        buf[nbuf] = "]"
      else
        nbuf = nbuf + 1
        buf[nbuf] = "{"
        local comma = false
        for k, val in next, v do
          nbuf = nbuf + 1
          local tk = type(k)
          local sep = comma and "," or ""
          comma = true
          if tk == "number" then
            buf[nbuf] = sep .. '"' .. append_number(k) .. '":'
          elseif tk == "string" then
            buf[nbuf] = sep .. '"' .. gsub(k, '[%c"\\/]', ESCAPES) .. '":'
          else
            throw("Cannot serialise " .. tk .. ": table key must be a number or string")
          end
          append(val, depth)
        end
        nbuf = nbuf + 1
        buf[nbuf] = "}"
      end
    elseif v == nil or v == null then
      nbuf = nbuf + 1
      buf[nbuf] = "null"
    else
      throw("Cannot serialise " .. tv .. ": type not supported")
    end
  end

  local function encode(...)
    if select('#', ...) ~= 1 then argerror("encode", 1, "expected 1 argument") end
    buf, nbuf = {}, 0
    append((...), 0)
    local out = concat(buf)
    buf = nil
    return out
  end

  -- ===== Decoding (json_next_token, json_process_value) =====

  local s, slen, pos, depth

  local function token_error(index, what)
    return "T_ERROR", what, index
  end

  local function is_invalid_number(p)
    local c = byte(s, p)
    if c == 43 then return true end          -- '+'
    if c == 45 then p = p + 1; c = byte(s, p) end
    if c == nil then return false end
    if c == 48 then
      local c2 = byte(s, p + 1)
      if c2 and (c2 == 120 or c2 == 88 or (c2 >= 48 and c2 <= 57)) then return true end
      return false
    elseif c <= 57 then
      return false
    end
    local w = lower(sub(s, p, p + 2))
    return w == "inf" or w == "nan"
  end

  -- The length of the longest prefix of s[p..] that C's strtod() accepts (0 if none),
  -- found with patterns so that garbage after a number costs linear time.
  local function strtod_length(p)
    local sign = match(s, "^[%+%-]?", p)
    local q = p + #sign
    if match(s, "^0[xX]", q) then
      local m = match(s, "^0[xX]%x*%.?%x*", q)
      if not find(m, "%x", 3) then return #sign + 1 end    -- "0x": strtod takes the "0"
      local e = match(s, "^[pP][%+%-]?%d+", q + #m)
      return #sign + #m + (e and #e or 0)
    end
    local m = match(s, "^%d*%.?%d*", q)
    if find(m, "%d") then
      local e = match(s, "^[eE][%+%-]?%d+", q + #m)
      return #sign + #m + (e and #e or 0)
    end
    local w = lower(sub(s, q, q + 7))
    if w == "infinity" then return #sign + 8 end
    local w3 = sub(w, 1, 3)
    if w3 == "inf" then return #sign + 3 end
    if w3 == "nan" then
      local par = match(s, "^%([%w_]*%)", q + 3)
      return #sign + 3 + (par and #par or 0)
    end
    return 0
  end

  local function number_token(p)
    local len = strtod_length(p)
    local v = len > 0 and tonumber(sub(s, p, p + len - 1))
    if v then
      pos = p + len
      return "T_NUMBER", v, p
    end
    return token_error(p, "invalid number")
  end

  local function string_token(p)
    local i = p + 1
    local parts, np = nil, 0
    while true do
      local q = find(s, '["\\]', i)
      if not q then return token_error(slen + 1, "unexpected end of string") end
      if byte(s, q) == 34 then
        local str
        if parts then
          np = np + 1; parts[np] = sub(s, i, q - 1); str = concat(parts)
        else
          str = sub(s, i, q - 1)
        end
        pos = q + 1
        return "T_STRING", str, p
      end
      parts = parts or {}
      np = np + 1; parts[np] = sub(s, i, q - 1)
      local e = byte(s, q + 1)
      if e == 117 then                               -- \uXXXX
        local h = sub(s, q + 2, q + 5)
        local cp = #h == 4 and match(h, "^%x%x%x%x$") and tonumber(h, 16)
        local len = 6
        if cp and cp >= 0xD800 and cp <= 0xDFFF then
          if cp >= 0xDC00 then
            cp = nil
          elseif sub(s, q + 6, q + 7) ~= "\\u" then
            cp = nil
          else
            local h2 = sub(s, q + 8, q + 11)
            local lo = #h2 == 4 and match(h2, "^%x%x%x%x$") and tonumber(h2, 16)
            if not lo or lo < 0xDC00 or lo > 0xDFFF then
              cp = nil
            else
              cp = (cp - 0xD800) * 1024 + (lo - 0xDC00) + 0x10000
              len = 12
            end
          end
        end
        if not cp then return token_error(q, "invalid unicode escape code") end
        local u
        if cp <= 0x7F then
          u = char(cp)
        elseif cp <= 0x7FF then
          u = char(0xC0 + floor(cp / 64), 0x80 + cp % 64)
        elseif cp <= 0xFFFF then
          u = char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
        else
          u = char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
                   0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
        end
        np = np + 1; parts[np] = u
        i = q + len
      else
        local ch = e and UNESCAPES[e]
        if not ch then return token_error(q, "invalid escape code") end
        np = np + 1; parts[np] = ch
        i = q + 2
      end
    end
  end

  local SINGLE = {
    [123] = "T_OBJ_BEGIN", [125] = "T_OBJ_END", [91] = "T_ARR_BEGIN",
    [93] = "T_ARR_END", [44] = "T_COMMA", [58] = "T_COLON",
  }

  local function next_token()
    local p = find(s, "[^ \t\n\r]", pos)
    if not p then
      pos = slen + 1
      return "T_END", nil, slen + 1
    end
    local c = byte(s, p)
    local single = SINGLE[c]
    if single then
      pos = p + 1
      return single, nil, p
    end
    if c == 34 then return string_token(p) end
    if c == 45 or (c >= 48 and c <= 57) then
      if not decode_invalid and is_invalid_number(p) then
        return token_error(p, "invalid number")
      end
      return number_token(p)
    end
    if c == 116 and sub(s, p, p + 3) == "true" then
      pos = p + 4
      return "T_BOOLEAN", true, p
    elseif c == 102 and sub(s, p, p + 4) == "false" then
      pos = p + 5
      return "T_BOOLEAN", false, p
    elseif c == 110 and sub(s, p, p + 3) == "null" then
      pos = p + 4
      return "T_NULL", null, p
    elseif decode_invalid and (c == 43 or c == 105 or c == 73 or c == 110 or c == 78)
        and is_invalid_number(p) then
      return number_token(p)
    end
    pos = p
    return token_error(p, "invalid token")
  end

  local function parse_error(expected, ttype, value, index)
    local found = ttype
    if ttype == "T_ERROR" then found = value end
    throw("Expected " .. expected .. " but found " .. found .. " at character " .. index)
  end

  local process_value

  local function descend()
    depth = depth + 1
    if depth > decode_max_depth then
      throw("Found too many nested data structures (" .. depth .. ") at character " .. (pos - 1))
    end
  end

  function process_value(ttype, value, index)
    if ttype == "T_STRING" or ttype == "T_NUMBER" or ttype == "T_BOOLEAN" or ttype == "T_NULL" then
      return value
    elseif ttype == "T_OBJ_BEGIN" then
      descend()
      local t = {}
      local tt, tv, ti = next_token()
      if tt == "T_OBJ_END" then depth = depth - 1; return t end
      while true do
        if tt ~= "T_STRING" then parse_error("object key string", tt, tv, ti) end
        local key = tv
        tt, tv, ti = next_token()
        if tt ~= "T_COLON" then parse_error("colon", tt, tv, ti) end
        t[key] = process_value(next_token())
        tt, tv, ti = next_token()
        if tt == "T_OBJ_END" then depth = depth - 1; return t end
        if tt ~= "T_COMMA" then parse_error("comma or object end", tt, tv, ti) end
        tt, tv, ti = next_token()
      end
    elseif ttype == "T_ARR_BEGIN" then
      descend()
      local t = {}
      local tt, tv, ti = next_token()
      if tt == "T_ARR_END" then depth = depth - 1; return t end
      local i = 1
      while true do
        t[i] = process_value(tt, tv, ti)
        tt, tv, ti = next_token()
        if tt == "T_ARR_END" then depth = depth - 1; return t end
        if tt ~= "T_COMMA" then parse_error("comma or array end", tt, tv, ti) end
        tt, tv, ti = next_token()
        i = i + 1
      end
    end
    parse_error("value", ttype, value, index)
  end

  local function decode(...)
    if select('#', ...) ~= 1 then argerror("decode", 1, "expected 1 argument") end
    local data = ...
    local td = type(data)
    if td ~= "string" and td ~= "number" then
      argerror("decode", 1, "string expected, got " .. typename(1, ...))
    end
    data = tostring(data)
    if #data >= 2 and (byte(data, 1) == 0 or byte(data, 2) == 0) then
      throw("JSON parser does not support UTF-16 or UTF-32")
    end
    local z = find(data, "\0", 1, true)
    if z then data = sub(data, 1, z - 1) end
    s, slen, pos, depth = data, #data, 1, 0
    local ok, res = pcall(process_value, next_token())
    if not ok then s = nil; error(res, 0) end
    local tt, tv, ti = next_token()
    s = nil
    if tt ~= "T_END" then parse_error("the end", tt, tv, ti) end
    return res
  end

  cjson.encode = protect(encode)
  cjson.decode = protect(decode)
  cjson.encode_sparse_array = protect(cfg_encode_sparse_array, true)
  cjson.encode_max_depth = protect(cfg_encode_max_depth)
  cjson.decode_max_depth = protect(cfg_decode_max_depth)
  cjson.encode_number_precision = protect(cfg_encode_number_precision)
  cjson.encode_keep_buffer = protect(cfg_encode_keep_buffer)
  cjson.encode_invalid_numbers = protect(cfg_encode_invalid_numbers)
  cjson.decode_invalid_numbers = protect(cfg_decode_invalid_numbers)
  cjson.new = new_instance
  cjson.null = null
  cjson._NAME = "cjson"
  cjson._VERSION = "2.1.0"
  return cjson
end

return new_instance()
"""
