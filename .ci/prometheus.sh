#!/usr/bin/env bash
# A real Prometheus on 127.0.0.1 for the status integration test (tests/status_prometheus.rs).
#
#   .ci/prometheus.sh start DIR   install Debian's prometheus when missing, start it on a free
#                                 loopback port with the test rules, wait for /-/ready, and
#                                 print GREENROOM_TEST_PROMETHEUS_URL=http://127.0.0.1:PORT
#   .ci/prometheus.sh stop DIR    stop the server started with DIR (by its pid file)
#
# It scrapes itself every second and evaluates tests/fixtures/status/prometheus-test-rules.yml:
# a recording rule (job:up:sum), an always-firing alert and a pending one.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

stop() {
  if [[ -f "$dir/prometheus.pid" ]]; then
    pid=$(cat "$dir/prometheus.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/prometheus.pid"
  fi
}

if [[ "$cmd" == stop ]]; then
  stop
  exit 0
fi
[[ "$cmd" == start ]] || { echo "unknown command: $cmd" >&2; exit 2; }

if ! command -v prometheus >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "prometheus is not installed and installing it needs root: apt-get install prometheus" >&2
    exit 1
  fi
  echo "installing Debian's prometheus package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends prometheus >&2
fi

mkdir -p "$dir/data"
# A free loopback port: bind port 0 and read what the kernel chose.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
cp "$root/tests/fixtures/status/prometheus-test-rules.yml" "$dir/rules.yml"
sed -e "s#/etc/prometheus/rules.yml#$dir/rules.yml#" -e "s#127.0.0.1:19090#127.0.0.1:$port#" \
  "$root/tests/fixtures/status/prometheus-test-config.yml" > "$dir/prometheus.yml"

stop
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$dir/prometheus.log" 2>&1 &
echo $! > "$dir/prometheus.pid"

url="http://127.0.0.1:$port"
for _ in $(seq 150); do
  if ! kill -0 "$(cat "$dir/prometheus.pid")" 2>/dev/null; then
    echo "prometheus exited; its log:" >&2
    cat "$dir/prometheus.log" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && \
     python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('$url/-/ready', timeout=1).status == 200 else 1)" 2>/dev/null; then
    echo "GREENROOM_TEST_PROMETHEUS_URL=$url"
    exit 0
  fi
  sleep 0.1
done
echo "prometheus did not become ready at $url within 15 s; its log:" >&2
cat "$dir/prometheus.log" >&2
stop
exit 1
