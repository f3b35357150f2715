/**
 * The Lua scripts of fleet mode. Each runs atomically inside Redis and reads Redis's own clock
 * (`TIME`), so no process's clock and no network delay decides who gets a token or a slot. Scripts are
 * sent by hash (`EVALSHA`) and loaded on `NOSCRIPT`, which also covers a restarted, empty Redis.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A script and its hash. */
export interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Runs `s` on `connection`, loading it first if this Redis does not have it. */
export async function runScript(
  connection: Redis,
  s: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await connection.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return connection.eval(s.lua, keys.length, ...keys, ...args);
  }
}

/** Redis's clock in µs; every script starts with it. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])`;

/**
 * The account bucket, GCRA (a token bucket kept as one "theoretical arrival time", `tat`). A request
 * conforms when `max(tat, now) - now <= tolerance`; it then moves `tat` on by one emission interval.
 * With interval `1e6 / rate` µs and tolerance `limit * interval - window` (the window being one
 * second of DashScope's clock, `1e6 / scale` µs of Redis's), no window ever holds more than `limit`
 * grants (see bucket.ts for the arithmetic).
 * A 429 pauses the bucket for its Retry-After and halves the rate (once per second at most); the rate
 * grows back by 5% of the ceiling per second from 10 s after the last 429. That growth is computed
 * from `slowAt`, so nothing needs a timer. Grants are counted (`served`), and each process's lane
 * notes in KEYS[2] how many of its requests wait behind the one asking: together they tell the
 * leader how many queries wait in the fleet's lines before its next list query (QUEUE).
 *
 * KEYS[1] bucket hash, KEYS[2] (optional) lines hash; ARGV: op (take | throttle | charge), ceiling
 * rate /s, limit /s, op argument (throttle: retry-after ms; charge: requests), how much faster
 * DashScope's clock runs than Redis's (1 but in the benchmark), and with KEYS[2] the asking member
 * and its line length. Rates are per real second.
 * Returns { granted 0|1, wait µs, now µs, rate × 1000, tat µs, served }.
 */
export const BUCKET = script(`${NOW}
local op, ceiling, limit, arg = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local scale = tonumber(ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'tat', 'rate', 'slowAt', 'pause', 'served')
local tat, rate = tonumber(s[1]) or 0, tonumber(s[2]) or ceiling
local slowAt, pause, served = tonumber(s[3]) or 0, tonumber(s[4]) or 0, tonumber(s[5]) or 0
local quiet = (now - slowAt) * scale - 10000000
if rate < ceiling and quiet > 0 then rate = math.min(ceiling, rate + ceiling * 0.05 * quiet / 1000000) end
local interval = 1000000 / rate
local window = 1000000 / scale
local tolerance = math.max(0, (limit * 1000000 / ceiling - 1000000) / scale - 1)
local base = math.max(tat, now)
local granted, wait = 0, 0
if op == 'take' then
  if pause > now then wait = pause - now
  elseif base - now > tolerance then wait = base - now - tolerance
  else granted = 1; tat = base + interval; served = served + 1 end
elseif op == 'throttle' then
  pause = math.max(pause, now + arg * 1000)
  if (now - slowAt) * scale > 1000000 then
    rate = math.max(ceiling / 20, rate / 2)
    redis.call('HSET', KEYS[1], 'rate', rate, 'slowAt', now)
  end
  -- No burst when the pause ends: DashScope just said the account is over.
  tat = math.max(tat, pause + tolerance)
elseif op == 'charge' then
  -- Sent while Redis was away; at most a window's worth can still matter to any window.
  tat = math.min(base + arg * interval, now + tolerance + window)
end
if granted == 1 or op ~= 'take' then
  redis.call('HSET', KEYS[1], 'tat', tat, 'pause', pause, 'served', served)
  redis.call('PEXPIRE', KEYS[1], 60000 + math.max(0, math.floor((pause - now) / 1000)))
end
if KEYS[2] and op == 'take' then
  redis.call('HSET', KEYS[2], ARGV[6], string.format('%d %d', math.max(0, tonumber(ARGV[7]) - granted), math.floor(now / 1000)))
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return { granted, math.floor(wait), now, math.floor(rate * 1000), math.floor(tat), served }`);

/**
 * How many requests the fleet's lanes had waiting at their last word (each lane tells at every ask;
 * a word older than ARGV[1] ms is dropped: that lane has long been served, or its process is gone),
 * and how many grants the bucket has counted. KEYS[1] bucket hash, KEYS[2] lines hash.
 * Returns { served, waiting }.
 */
export const QUEUE = script(`${NOW}
local ms = math.floor(now / 1000)
local served = tonumber(redis.call('HGET', KEYS[1], 'served') or '0')
local waiting = 0
local lines = redis.call('HGETALL', KEYS[2])
for i = 1, #lines, 2 do
  local count, at = string.match(lines[i + 1], '(%d+) (%d+)')
  if count and ms - tonumber(at) < tonumber(ARGV[1]) then waiting = waiting + tonumber(count)
  else redis.call('HDEL', KEYS[2], lines[i]) end
end
return { served, waiting }`);

/**
 * Fleet membership: a sorted set of member ids scored by when they expire (Redis clock, ms).
 * KEYS[1] members, KEYS[2] the leader's backstop note; ARGV: member, ttl ms, op (join | leave).
 * Returns { live members after pruning, the leader's backstop ms (0: it does not sweep), this
 * member's place among the live ids in sorted order (what staggers the local shares in an outage) }.
 */
export const MEMBERS = script(`${NOW}
local ms = math.floor(now / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if ARGV[3] == 'leave' then redis.call('ZREM', KEYS[1], ARGV[1])
else redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(ids)
local rank = 0
for i, id in ipairs(ids) do if id == ARGV[1] then rank = i - 1 end end
return { #ids, tonumber(redis.call('GET', KEYS[2]) or '0'), rank }`);

/**
 * Job slots (`maxConcurrentJobs`): a sorted set of slot ids scored by when they expire (Redis clock,
 * ms), renewed by their holders; a crashed holder's slots lapse. KEYS[1] slots; ARGV: op (acquire |
 * renew | release), limit, ttl ms, slot ids… Acquire takes one slot (ARGV[4]) if fewer than `limit`
 * are held and returns 1, else 0; renew re-adds every id given (a job that outlived a lapse still
 * runs at DashScope, so it still counts); release removes them.
 */
export const SLOTS = script(`${NOW}
local ms = math.floor(now / 1000)
local op, limit, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
local result = 1
if op == 'acquire' then
  if redis.call('ZCARD', KEYS[1]) < limit then redis.call('ZADD', KEYS[1], ms + ttl, ARGV[4]) else result = 0 end
else
  for i = 4, #ARGV do
    if op == 'renew' then redis.call('ZADD', KEYS[1], ms + ttl, ARGV[i]) else redis.call('ZREM', KEYS[1], ARGV[i]) end
  end
end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return result`);

/**
 * Watches of the fleet: a sorted set of task ids scored by when the watch expires (Redis clock, ms)
 * and one scored by submit time (epoch ms). KEYS[1] expiry set, KEYS[2] submit set; ARGV: op
 * (watch | unwatch), ttl ms, then id/submittedAt pairs (watch) or ids (unwatch).
 */
export const WATCHES = script(`${NOW}
local ms = math.floor(now / 1000)
local ttl = tonumber(ARGV[2])
if ARGV[1] == 'watch' then
  for i = 3, #ARGV, 2 do
    redis.call('ZADD', KEYS[1], ms + ttl, ARGV[i])
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
  end
else
  for i = 3, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]); redis.call('ZREM', KEYS[2], ARGV[i]) end
end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
return 1`);

/**
 * The leader's view of the watches: drops expired ones (a crashed process's), then returns every live
 * id with its submit time, flat: id, submittedAt, id, submittedAt… KEYS[1] expiry set, KEYS[2] submit set.
 */
export const LIVE_WATCHES = script(`${NOW}
local ms = math.floor(now / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms)
for _, id in ipairs(expired) do redis.call('ZREM', KEYS[2], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
return redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')`);

/**
 * The leader lease: take it when free, renew it when ours. KEYS[1] lease; ARGV: holder id, ttl ms.
 * Returns 1 when `holder` holds it afterwards.
 */
export const LEASE = script(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`);
