# Sourced by bin/test: make sure PostgreSQL and Redis answer on 127.0.0.1, starting them
# with this machine's own commands when they are installed but stopped. When neither works,
# say so loudly; the tests that need the service are then skipped with the same reason.
reachable() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local port="$1" tries=0
    while ! reachable "$port" && [ $tries -lt 30 ]; do sleep 0.5; tries=$((tries + 1)); done
    reachable "$port"
}

ensure_services() {
    if ! reachable 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "starting PostgreSQL" >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
        wait_for 5432 || true
    fi
    if ! reachable 6379 && command -v redis-server >/dev/null 2>&1; then
        echo "starting Redis" >&2
        mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
        wait_for 6379 || true
    fi
    reachable 5432 || echo "!!! PostgreSQL is NOT reachable on 127.0.0.1:5432: its tests will be SKIPPED" >&2
    reachable 6379 || echo "!!! Redis is NOT reachable on 127.0.0.1:6379: its tests will be SKIPPED" >&2
}
