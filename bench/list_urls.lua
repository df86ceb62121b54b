-- wrk script: cycle through a list of directory URLs (filled in by bench/run.py and
-- bench/loadtest.py in place of the marker below), each thread starting at its own offset.
local paths = {
--PATHS--
}
local counter = 0

function setup(thread)
  thread:set("offset", math.random(1, #paths))
end

function request()
  counter = counter + 1
  local path = paths[((counter + (offset or 0)) % #paths) + 1]
  return wrk.format("GET", path)
end
