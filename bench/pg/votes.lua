-- wrk script for bench/run-pg-bench.sh: API votes, POST and DELETE /api/papers/{id}/upvote with
-- "Authorization: Bearer TOKEN", spread over many members and papers.
--
-- Environment:
--   BENCH_TOKENS   file of API tokens, one a line (member i's token on line i)
--   BENCH_PAPERS   file of paper ids, one a line
--   BENCH_SLICE    this wrk process's share, "k/n" (default "0/1"): with two nodes, each node's
--                  wrk gets half of the members, so that no two processes vote as one member
--   BENCH_WRK_THREADS  wrk's -t of each process (default 1): threads number members globally
--   BENCH_ROUND    a number that moves the (member, paper) pairs, so that each run starts from
--                  pairs no earlier run left voted (default 0)
--
-- Each wrk thread owns the members whose index is congruent to its global thread number, and
-- walks a fixed sequence of up to MAX_PAIRS distinct (member, paper) pairs: the first pass
-- upvotes each pair (POST), the second takes the votes back (DELETE), and so on, so that every
-- request changes a vote (a write: the votes row, the paper's count, the change feed). A pair
-- comes back only that many requests later, long after its previous request was answered.
local MAX_PAIRS = 100000
local counter = 0

local function read_lines(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local papers, mine, requests, round, npairs, stride, offset
local headers = {}

function init(args)
  local k, n = (os.getenv("BENCH_SLICE") or "0/1"):match("^(%d+)/(%d+)$")
  k, n = tonumber(k), tonumber(n)
  local per_process = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
  round = tonumber(os.getenv("BENCH_ROUND") or "0")
  local all_tokens = read_lines(os.getenv("BENCH_TOKENS"))
  papers = read_lines(os.getenv("BENCH_PAPERS"))
  -- The global thread number among all wrk processes: slice k's threads come after slice k-1's.
  local g = k * per_process + tid
  local total = n * per_process
  mine = {}
  for i = 1, #all_tokens do
    if (i - 1) % total == g then mine[#mine + 1] = all_tokens[i] end
  end
  if #mine == 0 then error("votes.lua: no members for thread " .. g .. " of " .. total) end
  requests = 0
  npairs = math.min(MAX_PAIRS, #mine * #papers)
  -- A stride prime to the number of papers: the walk visits each paper once per cycle.
  local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
  stride = 7919
  while gcd(stride, #papers) ~= 1 do stride = stride + 1 end
  offset = (g * 104729 + round * 15485863) % #papers
end

-- Pair s (0 <= s < npairs): member s mod m, and the papers in a strided walk for each sweep of
-- the members; pairs differ for each thread (its own members) and round (the offset).
local function pair(s)
  local m = #mine
  local member = mine[(s % m) + 1]
  local idx = (math.floor(s / m) * stride + offset) % #papers
  return member, papers[idx + 1]
end

function request()
  local s = requests % npairs
  local pass = math.floor(requests / npairs)
  requests = requests + 1
  local member, paper = pair(s)
  headers["Authorization"] = "Bearer " .. member
  local method = (pass % 2 == 0) and "POST" or "DELETE"
  return wrk.format(method, "/api/papers/" .. paper .. "/upvote", headers)
end

-- The far tail, which wrk --latency does not print.
function done(summary, latency, requests_)
  io.write(string.format("tail: p99.9 %.2f ms, max %.2f ms\n",
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
