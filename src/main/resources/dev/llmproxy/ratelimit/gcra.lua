-- GCRA over the minute and day windows in one atomic step: the Redis twin of Gcra.java, with the
-- same arithmetic and so the same answers (one contract test suite runs against both).
-- KEYS[1]  the token's state, a hash: m = minute TAT, d = day TAT (microseconds)
-- ARGV[1]  requests per minute (0: no limit)     ARGV[2]  requests per day (0: no limit)
-- ARGV[3]  now in microseconds, given only by tests; otherwise Redis's own TIME, so replicas agree
-- Returns  {allowed 0|1, window 1=minute 2=day 0=none, limit, remaining, reset µs, retry-after µs}
local now
if ARGV[3] and ARGV[3] ~= '' then
    now = tonumber(ARGV[3])
else
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function step(code, limit, window, tat)
    if limit == 0 then
        return {code = code, limited = false, allowed = true, tat = tat, remaining = 0, reset = 0, retry = 0, limit = 0}
    end
    local period = math.floor(window / limit)
    local capacity = period * limit
    local base = math.max(tat, now)
    local new_tat = base + period
    if new_tat - now <= capacity then
        return {code = code, limited = true, allowed = true, tat = new_tat, limit = limit,
                remaining = math.floor((capacity - (new_tat - now)) / period), reset = new_tat - now, retry = 0}
    end
    return {code = code, limited = true, allowed = false, tat = tat, limit = limit,
            remaining = 0, reset = base - now, retry = new_tat - capacity - now}
end

local state = redis.call('HMGET', KEYS[1], 'm', 'd')
local m = step(1, tonumber(ARGV[1]), 60000000, tonumber(state[1]) or 0)
local d = step(2, tonumber(ARGV[2]), 86400000000, tonumber(state[2]) or 0)

if m.allowed and d.allowed then
    local b
    if not m.limited then b = d
    elseif not d.limited then b = m
    elseif m.remaining ~= d.remaining then
        if m.remaining < d.remaining then b = m else b = d end
    elseif m.reset >= d.reset then b = m
    else b = d end
    redis.call('HSET', KEYS[1], 'm', m.tat, 'd', d.tat)
    -- The key lives exactly as long as it matters: once both windows are full again it holds nothing.
    redis.call('PEXPIRE', KEYS[1], math.floor((math.max(m.tat, d.tat) - now) / 1000) + 1)
    return {1, b.code, b.limit, b.remaining, b.reset, 0}
end

local b = m
if d.limited and not d.allowed then b = d end
local retry = 0
if not m.allowed then retry = m.retry end
if not d.allowed and d.retry > retry then retry = d.retry end
return {0, b.code, b.limit, 0, b.reset, retry}
