# Starts and stops the packaged server (target/quarkus-app) for the scripts that check it from the outside, bound to
# localhost, with state under the given work directory and a cgroup parent, runtime directory and uid range of its
# own. Source it, then: start_packaged_server NAME WORK_DIR UID_OFFSET [JVM ARGUMENTS...]; it sets $port and stops
# the server when the calling script exits. AGENTBOX_TEST_ID and AGENTBOX_TEST_UID_BASE separate concurrent runs of
# several checkouts, as the Maven properties agentbox.test.id and agentbox.test.uid-base do; each server takes 1000
# uids from base + UID_OFFSET.

start_packaged_server() {
    local name=$1 work=$2 uid_offset=$3
    shift 3
    local test_id=${AGENTBOX_TEST_ID:-test} uid_base=${AGENTBOX_TEST_UID_BASE:-2000000}
    local jar=target/quarkus-app/quarkus-run.jar
    if [[ ! -f $jar ]]; then
        mvn -B -q package -DskipTests
    fi
    packaged_server_runtime=/dev/shm/agentbox-$name-$test_id
    packaged_server_cgroup=agentbox-$name-$test_id
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    java -Dquarkus.http.host=localhost -Dquarkus.http.port="$port" \
        -Dagentbox.local.state-dir="$work/state" \
        -Dagentbox.local.runtime-dir="$packaged_server_runtime" \
        -Dagentbox.local.cgroup-parent="$packaged_server_cgroup" \
        -Dagentbox.local.uid-base=$((uid_base + uid_offset)) -Dagentbox.local.uid-count=1000 \
        -Dagentbox.sandbox.keep-on-shutdown=false -Dagentbox.sandbox.adopt-survivors=false \
        "$@" -jar "$jar" >"$work/server.log" 2>&1 &
    packaged_server_pid=$!
    trap stop_packaged_server EXIT
    for _ in $(seq 1 120); do
        curl -sf "http://localhost:$port/q/health/ready" >/dev/null && return 0
        if ! kill -0 "$packaged_server_pid" 2>/dev/null; then
            echo "The server exited; see $work/server.log:" >&2
            tail -20 "$work/server.log" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "The server did not become ready; see $work/server.log." >&2
    return 1
}

stop_packaged_server() {
    if [[ -n ${packaged_server_pid:-} ]]; then
        kill "$packaged_server_pid" 2>/dev/null && wait "$packaged_server_pid" 2>/dev/null || true
        rm -rf "$packaged_server_runtime"
        # The server stopped its sandboxes; their parent cgroups are empty now (rmdir removes nothing else).
        rmdir /sys/fs/cgroup/*/"$packaged_server_cgroup" 2>/dev/null || true
        packaged_server_pid=
    fi
}

# Installs pinned npm packages into a cache directory (AGENTBOX_NPM_CACHE, default ~/.cache/agentbox) once, and
# prints the directory. Usage: npm_packages NAME PACKAGE@VERSION...
npm_packages() {
    local name=$1
    shift
    local dir=${AGENTBOX_NPM_CACHE:-$HOME/.cache/agentbox}/$name
    if [[ ! -f $dir/.installed || $(cat "$dir/.installed") != "$*" ]]; then
        command -v npm >/dev/null || { echo "npm is needed to install $*." >&2; return 1; }
        echo "Installing $* into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$@" >&2
        echo "$*" >"$dir/.installed"
    fi
    echo "$dir"
}
