-- wrk script: each request searches one of the benchmark's queries (bench/data/queries-1000.tsv,
-- "qid<TAB>text"), in turn, through the JSON search API; SEARCH_MODE=lexical|semantic|hybrid adds
-- mode= (default: the server's).
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES") or "bench/data/queries-1000.tsv") do
  local text = line:match("^[^\t]*\t(.*)$")
  if text then
    queries[#queries + 1] = text:gsub("[^%w%-%.:]", function(c)
      return string.format("%%%02X", string.byte(c))
    end)
  end
end
local mode = os.getenv("SEARCH_MODE")
local suffix = (mode and mode ~= "") and ("&mode=" .. mode) or ""
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/papers/search?limit=10&q=" .. queries[i] .. suffix)
end
-- The far tail, which wrk --latency does not print: rare stalls show there first.
done = function(summary, latency, requests)
  io.write(string.format("tail: p99.9 %.2f ms, max %.2f ms\n",
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
