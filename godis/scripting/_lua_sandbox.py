"""The Lua side of the engine: the sandbox, the ``redis`` table and the reply codecs.

One chunk (named ``=godis``) runs once in each new Lua state, after the libraries. It receives
the table ``api`` of Python callbacks and returns the functions the engine calls. What it
reproduces (script_lua.c and eval.c of Redis 7.0):

* the globals allow list (luaNewIndexAllowList): everything else lupa's ``luaL_openlibs``
  loaded (``io``, ``os``, ``package``, ``require``, ``print``, ``dofile``, ``loadfile``,
  ``debug``, lupa's ``python``) is gone;
* readonly globals and libraries (Redis patches Lua with ``lua_enablereadonlytable``): the
  globals table and every library table become empty views whose ``__newindex`` raises
  "Attempt to modify a readonly table", and reading a missing global raises "Script attempted
  to access nonexistent global variable"; ``rawset``, ``setmetatable``, ``getmetatable``,
  ``rawget``, ``next``, ``pairs`` and ``ipairs`` see through the views as they would see the
  protected tables;
* ``__redis__err__handler``, the error handler that adds the script's source and line;
* Redis's ``pcall`` (a table error with an ``err`` field is returned as that string);
* ``redis.error_reply`` / ``status_reply`` / ``breakpoint`` / ``debug`` / ``replicate_commands``
  and the constants; ``math.random`` / ``randomseed`` over Redis's ``redisLrand48``;
* the Lua-to-RESP reply conversion (luaReplyToRedisReply) and the RESP-to-Lua conversion of
  ``redis.call`` replies (redisProtocolToLuaType), both in Lua, as they walk Lua tables.

Python callbacks that must raise a Lua error raise ``ScriptRaise``; lupa hands the exception
object to Lua as the error value and ``unwrap`` turns it back into the error table, wherever it
is caught (the error handler, ``pcall``, ``xpcall``).
"""

SOURCE = r"""
local api = ...
local G = _G
local type, tostring, tonumber, error, select, unpack = type, tostring, tonumber, error, select, unpack
local rawget, rawset, rawequal = rawget, rawset, rawequal
local setmetatable, getmetatable, next, pairs, ipairs = setmetatable, getmetatable, next, pairs, ipairs
local raw_pcall, raw_xpcall = pcall, xpcall
local format, sub, find, byte, gsub, match = string.format, string.sub, string.find, string.byte,
                                           string.gsub, string.match
local concat = table.concat
local floor = math.floor
local getinfo, sethook, traceback = debug.getinfo, debug.sethook, debug.traceback
local unwrap = api.unwrap

local ALLOWED = {
  string = true, cjson = true, bit = true, cmsgpack = true, math = true, table = true,
  struct = true, redis = true, __redis__err__handler = true,
  xpcall = true, tostring = true, setmetatable = true, next = true,
  assert = true, tonumber = true, rawequal = true, collectgarbage = true, getmetatable = true,
  rawset = true, pcall = true, coroutine = true, type = true, _G = true, select = true,
  unpack = true, gcinfo = true, pairs = true, rawget = true, loadstring = true, ipairs = true,
  _VERSION = true, load = true, error = true,
}

-- Frames that are the engine's own: the error handler looks past them, as Redis's looks
-- past its C functions.
local INTERNAL = {['=godis'] = true, ['=cjson'] = true, ['=cmsgpack'] = true,
                  ['=struct'] = true, ['=bit'] = true, ['=[C]'] = true}

-- luaPushErrorBuff: "-CODE msg" or "msg" (code ERR) -> {err = "CODE msg"}
local function error_table(text)
  local code, msg
  if sub(text, 1, 1) == '-' then
    local space = find(text, ' ', 1, true)
    if space then
      code, msg = sub(text, 2, space - 1), sub(text, space + 1)
    else
      code, msg = 'ERR', sub(text, 2)
    end
  else
    code, msg = 'ERR', text
  end
  msg = match(msg, '^[\r\n]*(.-)[\r\n]*$')
  return {err = code .. ' ' .. msg}
end

-- The readonly views ---------------------------------------------------------------------
local real_of = setmetatable({}, {__mode = 'k'})   -- view -> the table it shows
local function readonly_error() error('Attempt to modify a readonly table', 2) end

local function readonly_view(t)
  local view = {}
  real_of[view] = t
  setmetatable(view, {__index = t, __newindex = readonly_error})
  return view
end

local backing = {}     -- the globals' contents
local names = {}
for k in next, G do names[#names + 1] = k end
for _, k in ipairs(names) do
  local v = rawget(G, k)
  if ALLOWED[k] then backing[k] = v end
  rawset(G, k, nil)
end

-- lupa looks up debug.traceback from C before each call into Lua: it finds it, a script
-- does not (Redis has no debug global).
local lupa_debug = readonly_view({traceback = traceback})

local function missing_global(_, k)
  if k == 'debug' then
    local caller = getinfo(2, 'S')
    if caller == nil or caller.what == 'C' or INTERNAL[caller.source] then return lupa_debug end
  end
  local kind = type(k)
  if kind ~= 'string' and kind ~= 'number' then
    error('Second argument to luaProtectedTableError must be a string or number', 2)
  end
  error("Script attempted to access nonexistent global variable '" .. k .. "'", 2)
end
setmetatable(backing, {__index = missing_global})
local globals_meta = {__index = backing, __newindex = readonly_error}
setmetatable(G, globals_meta)
real_of[G] = backing
backing._G = G

backing.rawset = function(t, k, v)
  if real_of[t] then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end
backing.rawget = function(t, k)
  local real = real_of[t]
  if real then return rawget(real, k) end
  return rawget(t, k)
end
backing.setmetatable = function(t, mt)
  if real_of[t] then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end
local globals_meta_view = readonly_view({__index = missing_global})
backing.getmetatable = function(t)
  if rawequal(t, G) then return globals_meta_view end
  if real_of[t] then return nil end
  return getmetatable(t)
end
backing.next = function(t, k)
  return next(real_of[t] or t, k)
end
backing.pairs = function(t)
  local real = real_of[t]
  if real then return next, real, nil end
  return pairs(t)
end
backing.ipairs = function(t)
  return ipairs(real_of[t] or t)
end

-- Redis's pcall: a table error with an `err` field comes back as that string.
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local err = ...
  if type(err) == 'userdata' then err = unwrap(err) end
  if type(err) == 'table' then
    local text = err.err
    if type(text) == 'string' or type(text) == 'number' then err = text end
  end
  return false, err
end
backing.pcall = function(...) return pcall_result(raw_pcall(...)) end
backing.xpcall = function(f, handler)
  return raw_xpcall(f, function(err)
    if type(err) == 'userdata' then err = unwrap(err) end
    return handler(err)
  end)
end

-- __redis__err__handler: the error as a table, with the script's position.
local function error_handler(err)
  local level = 2
  local info = getinfo(level, 'nSl')
  if info and info.what == 'C' then
    level = 3
    info = getinfo(level, 'nSl')
  end
  while info and INTERNAL[info.source] do
    level = level + 1
    info = getinfo(level, 'nSl')
  end
  if type(err) == 'userdata' then err = unwrap(err) end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end
backing.__redis__err__handler = error_handler

-- The redis table -------------------------------------------------------------------------
local redis = {
  call = api.call,
  pcall = api.pcall,
  log = api.log,
  setresp = api.setresp,
  set_repl = api.set_repl,
  acl_check_cmd = api.acl_check_cmd,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = api.version, REDIS_VERSION_NUM = api.version_num,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
}
redis.sha1hex = api.sha1hex
redis.error_reply = function(...)
  local e = ...
  if select('#', ...) ~= 1 or type(e) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  if sub(e, 1, 1) ~= '-' then e = '-' .. e end
  return error_table(e)
end
redis.status_reply = function(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  return {ok = s}
end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.replicate_commands = function() return true end

-- math.random / randomseed over redisLrand48: Python callables, so errors point at the
-- script even from a tail call (as Redis's C functions do).
local random, randomseed = api.random, api.randomseed
local math_copy = {}
for k, v in next, backing.math do math_copy[k] = v end
math_copy.random, math_copy.randomseed = random, randomseed
backing.math = math_copy

-- In function mode the load-time globals hold only a small redis table.
local load_backing
if api.function_mode then
  local load_redis = {
    register_function = api.register_function, log = api.log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = api.version, REDIS_VERSION_NUM = api.version_num,
  }
  setmetatable(load_redis, {__index = missing_global})
  load_backing = {redis = readonly_view(load_redis)}
  setmetatable(load_backing, {__index = missing_global})
end

backing.redis = redis
for _, name in ipairs({'string', 'table', 'math', 'cjson', 'bit', 'struct', 'cmsgpack',
                       'coroutine', 'redis'}) do
  backing[name] = readonly_view(backing[name])
end

-- The interrupt hook (luaMaskCountHook): every 100000 instructions ask the engine.
-- Once killed, it runs on every line of the script's own code (not the engine's), so a
-- pcall in the script cannot swallow the kill; each run ends by restoring the count hook.
local interrupt = api.interrupt
local hook
hook = function()
  local info = getinfo(2, 'S')
  if info and INTERNAL[info.source] then return end
  if interrupt() then
    sethook(hook, 'l')
    error(error_table(api.kill_message()))
  end
end
local function count_hook() sethook(hook, '', 100000) end
count_hook()

-- Lua -> RESP (luaReplyToRedisReply) --------------------------------------------------------
local MAX_DEPTH = 3999

local function sanitize(s) return (gsub(s, '[\r\n]', ' ')) end
local function cstring(s) return match(s, '^[^%z]*') end

local encode
encode = function(v, out, resp, sresp, depth)
  local t = type(v)
  if t == 'string' then
    out[#out + 1] = '$' .. #v .. '\r\n' .. v .. '\r\n'
  elseif t == 'number' then
    out[#out + 1] = ':' .. format('%d', v) .. '\r\n'
  elseif t == 'boolean' then
    if sresp == 2 then
      out[#out + 1] = v and ':1\r\n' or (resp == 2 and '$-1\r\n' or '_\r\n')
    elseif resp == 2 then
      out[#out + 1] = v and ':1\r\n' or ':0\r\n'
    else
      out[#out + 1] = v and '#t\r\n' or '#f\r\n'
    end
  elseif t == 'table' then
    if depth > MAX_DEPTH then
      out[#out + 1] = '-ERR reached lua stack limit\r\n'
      return
    end
    local field = rawget(v, 'err')
    if type(field) == 'string' then
      local text = match(cstring(field), '^[\r\n]*(.-)[\r\n]*$')
      out[#out + 1] = '-' .. sanitize(text) .. '\r\n'
      return
    end
    field = rawget(v, 'ok')
    if type(field) == 'string' then
      out[#out + 1] = '+' .. sanitize(cstring(field)) .. '\r\n'
      return
    end
    field = rawget(v, 'double')
    if type(field) == 'number' then
      local text = format('%.17g', field)
      if resp == 2 then
        out[#out + 1] = '$' .. #text .. '\r\n' .. text .. '\r\n'
      else
        out[#out + 1] = ',' .. text .. '\r\n'
      end
      return
    end
    field = rawget(v, 'big_number')
    if type(field) == 'string' then
      local text = sanitize(field)
      if resp == 2 then
        out[#out + 1] = '$' .. #text .. '\r\n' .. text .. '\r\n'
      else
        out[#out + 1] = '(' .. text .. '\r\n'
      end
      return
    end
    field = rawget(v, 'verbatim_string')
    if type(field) == 'table' then
      local fmt, text = rawget(field, 'format'), rawget(field, 'string')
      if type(fmt) == 'string' and type(text) == 'string' then
        if resp == 2 then
          out[#out + 1] = '$' .. #text .. '\r\n' .. text .. '\r\n'
        else
          fmt = sub(cstring(fmt) .. '   ', 1, 3)
          out[#out + 1] = '=' .. (#text + 4) .. '\r\n' .. fmt .. ':' .. text .. '\r\n'
        end
        return
      end
    end
    field = rawget(v, 'map')
    if type(field) == 'table' then
      local at, count = #out + 1, 0
      out[at] = ''
      for key, value in next, field do
        encode(key, out, resp, sresp, depth + 1)
        encode(value, out, resp, sresp, depth + 1)
        count = count + 1
      end
      out[at] = resp == 2 and ('*' .. 2 * count .. '\r\n') or ('%' .. count .. '\r\n')
      return
    end
    field = rawget(v, 'set')
    if type(field) == 'table' then
      local at, count = #out + 1, 0
      out[at] = ''
      for key in next, field do
        encode(key, out, resp, sresp, depth + 1)
        count = count + 1
      end
      out[at] = (resp == 2 and '*' or '~') .. count .. '\r\n'
      return
    end
    local at, j = #out + 1, 1
    out[at] = ''
    while true do
      local item = rawget(v, j)
      if item == nil then break end
      encode(item, out, resp, sresp, depth + 1)
      j = j + 1
    end
    out[at] = '*' .. (j - 1) .. '\r\n'
  else
    out[#out + 1] = resp == 2 and '$-1\r\n' or '_\r\n'
  end
end

-- The reply to the caller: the RESP text, or the error text and whether it counts in the
-- error statistics (errors already counted by the command that raised them don't).
local function reply_of(v, resp, sresp)
  if type(v) == 'table' then
    local text = rawget(v, 'err')
    if type(text) == 'string' then
      return 'error', match(cstring(text), '^[\r\n]*(.-)[\r\n]*$'),
             rawget(v, 'ignore_error_stats_update') == true
    end
  end
  local out = {}
  encode(v, out, resp, sresp, 0)
  return 'reply', concat(out)
end

local function failure_of(err, name)
  if type(err) ~= 'table' then
    local text = type(err) == 'string' and err or 'execution failure'
    return 'error', 'ERR Error running script ' .. name .. ', ' .. sub(text, 1, 100), false
  end
  local msg = err.err
  if type(msg) == 'number' then msg = tostring(msg) end
  if type(msg) ~= 'string' then msg = '(null)' end
  msg = cstring(msg)
  local source, line = err.source, err.line
  if type(line) == 'number' then line = tostring(line) end
  if type(source) == 'string' and type(line) == 'string' then
    msg = msg .. ' script: ' .. name .. ', on ' .. cstring(source) .. ':' .. line .. '.'
  end
  return 'error', msg, err.ignore_error_stats_update == true
end

-- RESP -> Lua (redisProtocolToLuaType) -----------------------------------------------------
local parse
parse = function(s, pos)
  local kind = byte(s, pos)
  local eol = find(s, '\r\n', pos, true)
  local head = sub(s, pos + 1, eol - 1)
  if kind == 36 then -- $
    local n = tonumber(head)
    if n < 0 then return false, eol + 2 end
    return sub(s, eol + 2, eol + 1 + n), eol + 4 + n
  elseif kind == 58 then -- :
    return tonumber(head), eol + 2
  elseif kind == 43 then -- +
    return {ok = head}, eol + 2
  elseif kind == 45 then -- -
    local t = error_table('-' .. head)
    t.ignore_error_stats_update = true
    return t, eol + 2
  elseif kind == 42 or kind == 62 then -- * >
    local n = tonumber(head)
    if n < 0 then return false, eol + 2 end
    local t, at = {}, eol + 2
    for i = 1, n do
      t[i], at = parse(s, at)
    end
    return t, at
  elseif kind == 37 then -- %
    local t, at = {}, eol + 2
    for _ = 1, tonumber(head) do
      local key, value
      key, at = parse(s, at)
      value, at = parse(s, at)
      t[key] = value
    end
    return {map = t}, at
  elseif kind == 126 then -- ~
    local t, at = {}, eol + 2
    for _ = 1, tonumber(head) do
      local key
      key, at = parse(s, at)
      t[key] = true
    end
    return {set = t}, at
  elseif kind == 44 then -- ,
    return {double = tonumber(head)}, eol + 2
  elseif kind == 35 then -- #
    return head == 't', eol + 2
  elseif kind == 95 then -- _
    return nil, eol + 2
  elseif kind == 40 then -- (
    return {big_number = head}, eol + 2
  elseif kind == 61 then -- =
    local n = tonumber(head)
    local body = sub(s, eol + 2, eol + 1 + n)
    return {verbatim_string = {format = sub(body, 1, 3), string = sub(body, 5)}}, eol + 4 + n
  end
  error('unexpected reply type')
end

-- luaL_where(L, 1) for a Python callback: the position of the Lua code that called it.
local function where()
  local info = getinfo(3, 'Sl')
  if info and info.currentline > 0 then return info.short_src .. ':' .. info.currentline .. ': ' end
  return ''
end

local function from_resp(s)
  return (parse(s, 1))
end

local function error_of(text)   -- for Python: luaPushError's table, stats already counted
  local t = error_table(text)
  t.ignore_error_stats_update = true
  return t
end

-- Running ------------------------------------------------------------------------------------
local function new_array(...)
  return {...}
end

-- The script client's protocol (redis.setresp writes it; each run starts in RESP2).
local state = {resp = 2}

-- KEYS and ARGV arrive either as tables (big calls) or as the varargs after nkeys.
local function split_arguments(nkeys, keys, ...)
  if keys then return keys, ... end
  local all = {...}
  local count = select('#', ...)
  local key_list, arg_list = {}, {}
  for i = 1, nkeys do key_list[i] = all[i] end
  for i = nkeys + 1, count do arg_list[i - nkeys] = all[i] end
  return key_list, arg_list
end

local function finish(ok, result, name, resp)
  count_hook()
  if not ok then return failure_of(result, name) end
  local kind = type(result)
  if kind == 'number' then return 'reply', ':' .. format('%d', result) .. '\r\n' end
  if kind == 'string' then return 'reply', '$' .. #result .. '\r\n' .. result .. '\r\n' end
  return reply_of(result, resp, state.resp)
end

local function run_eval(f, name, resp, nkeys, keys, ...)
  backing.KEYS, backing.ARGV = split_arguments(nkeys, keys, ...)
  state.resp = 2
  local ok, result = raw_xpcall(f, error_handler)
  return finish(ok, result, name, resp)
end

local function run_function(f, name, resp, nkeys, keys, ...)
  local key_list, arg_list = split_arguments(nkeys, keys, ...)
  state.resp = 2
  local ok, result = raw_xpcall(function() return f(key_list, arg_list) end, error_handler)
  return finish(ok, result, name, resp)
end

local function compile(code, chunkname)
  local f, err = loadstring(code, chunkname)
  if not f then return nil, err end
  return f
end

-- FUNCTION LOAD's run of a library's top level (luaEngineCreate), with the load-time globals.
local function load_library(f)
  globals_meta.__index = load_backing
  local ok, err = raw_pcall(f)
  count_hook()
  globals_meta.__index = backing
  if ok then return nil end
  if type(err) == 'userdata' then err = unwrap(err) end
  if type(err) == 'table' then
    local msg = err.err
    if type(msg) == 'string' or type(msg) == 'number' then return cstring(tostring(msg)) end
    return '(null)'
  end
  return 'ERR ' .. tostring(err)
end

local function is_function(v) return type(v) == 'function' end

return {
  run_eval = run_eval, run_function = run_function, compile = compile,
  from_resp = from_resp, error_of = error_of, where = where, new_array = new_array,
  load_library = load_library, is_function = is_function, state = state,
}
"""
