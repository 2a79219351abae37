#!/usr/bin/env bash
# A single-node Apache Kafka 3.9.1 broker for tests and local use (DESIGN.md §2.4):
#
#   scripts/kafka.sh start    resolve the broker's jars with Maven (first run only), format
#                             KRaft storage in a fresh temporary directory, start the broker
#                             on 127.0.0.1, wait until it answers, print its address
#   scripts/kafka.sh status   print the address and exit 0 if it runs, else exit 1
#   scripts/kafka.sh stop     stop it (SIGTERM, then SIGKILL after 30 s) and delete its data
#
# For tests that take the broker away while a job runs (a broker of their own, §2.4):
#
#   scripts/kafka.sh stop --keep-data    stop it the same way, keep its data and settings
#   scripts/kafka.sh kill                SIGKILL it at once (a crash), keep its data and settings
#   scripts/kafka.sh start --keep-data   start the broker whose data and settings are kept in
#                                        FERRIS_KAFKA_RUN, on the same ports, without formatting;
#                                        a fresh one (like plain start) when nothing is kept
#   scripts/kafka.sh restart             stop --keep-data, then start --keep-data
#
# Settings make transactions and compacted topics work on one node (replication factor 1 for
# the internal topics, min ISR 1, the log cleaner on). Heap 512 MB.
#
# Environment:
#   FERRIS_KAFKA_CACHE  where the jars are kept   (default ~/.cache/ferris-streams/kafka-3.9.1)
#   FERRIS_KAFKA_RUN    pid, address, data, log    (default /tmp/ferris-kafka-$UID)
#   FERRIS_KAFKA_PORT   the broker port            (default: a free port; start --keep-data
#                                                   keeps the ports of the kept settings)
set -euo pipefail

KAFKA_VERSION=3.9.1
CACHE=${FERRIS_KAFKA_CACHE:-$HOME/.cache/ferris-streams/kafka-$KAFKA_VERSION}
RUN=${FERRIS_KAFKA_RUN:-/tmp/ferris-kafka-$(id -u)}

die() { echo "kafka.sh: $*" >&2; exit 1; }

java=(java -Xms512m -Xmx512m -cp "$CACHE/libs/*" "-Dlog4j.configuration=file:$RUN/log4j.properties")

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

answers() {  # host port
    python3 - "$1" "$2" <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

running() {
    [[ -f $RUN/pid ]] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null
}

resolve_jars() {
    [[ -f $CACHE/.complete ]] && return 0
    command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka $KAFKA_VERSION"
    command -v java >/dev/null || die "Java is needed to run Kafka $KAFKA_VERSION"
    echo "kafka.sh: fetching Kafka $KAFKA_VERSION from Maven Central into $CACHE" >&2
    local pom
    pom=$(mktemp -d)
    cat >"$pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ferris-streams</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF
    rm -rf "$CACHE"
    mkdir -p "$CACHE"
    if ! mvn -q -B -f "$pom/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" >&2; then
        rm -rf "$pom"
        die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
    fi
    rm -rf "$pom"
    touch "$CACHE/.complete"
}

start() {  # [--keep-data]
    if running; then
        cat "$RUN/address"
        return 0
    fi
    resolve_jars
    if [[ ${1:-} == --keep-data && -f $RUN/server.properties && -f $RUN/address ]]; then
        launch --keep-data
        return 0
    fi
    rm -rf "$RUN"
    mkdir -p "$RUN"
    local port=${FERRIS_KAFKA_PORT:-$(free_port)}
    local controller
    controller=$(free_port)
    local data
    data=$(mktemp -d "$RUN/data.XXXXXX")
    cat >"$RUN/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.cleaner.enable=true
auto.create.topics.enable=false
EOF
    cat >"$RUN/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$RUN/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
    local cluster
    cluster=$("${java[@]}" kafka.tools.StorageTool random-uuid)
    "${java[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$RUN/server.properties" >"$RUN/format.log" 2>&1 ||
        die "formatting KRaft storage failed: $(cat "$RUN/format.log")"
    echo "127.0.0.1:$port" >"$RUN/address"
    launch
}

# Starts the broker of $RUN/server.properties on its formatted storage and waits for it.
launch() {  # [--keep-data]: on failure, leave the data for a look (stop deletes it)
    local port
    port=$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\/127.0.0.1://p' "$RUN/server.properties")
    # A kept run's earlier log says "started" already: each start waits on a log of its own.
    [[ -f $RUN/server.log ]] && mv "$RUN/server.log" "$RUN/server.log.previous"
    nohup "${java[@]}" kafka.Kafka "$RUN/server.properties" >"$RUN/stdout.log" 2>&1 &
    echo $! >"$RUN/pid"
    for _ in $(seq 1 120); do
        if ! running; then
            die "the broker exited while starting; see $RUN/stdout.log and $RUN/server.log"
        fi
        if answers 127.0.0.1 "$port" && grep -q "started" "$RUN/server.log" 2>/dev/null; then
            cat "$RUN/address"
            return 0
        fi
        sleep 0.5
    done
    stop "${1:-}" >/dev/null 2>&1 || true
    die "the broker did not answer on 127.0.0.1:$port within 60 s"
}

stop() {  # [--keep-data]
    if running; then
        local pid
        pid=$(cat "$RUN/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    if [[ ${1:-} == --keep-data ]]; then
        rm -f "$RUN/pid"
    else
        rm -rf "$RUN"
    fi
}

# SIGKILL, as a crash would: the data stays for start --keep-data.
crash() {
    if running; then
        local pid
        pid=$(cat "$RUN/pid")
        kill -9 "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
    fi
    rm -f "$RUN/pid"
}

status() {
    if running; then
        cat "$RUN/address"
    else
        echo "kafka.sh: no broker running" >&2
        return 1
    fi
}

usage="usage: scripts/kafka.sh start [--keep-data] | stop [--keep-data] | kill | restart | status"
keep=${2:-}
[[ -z $keep || $keep == --keep-data ]] || die "$usage"
case "${1:-}" in
    start) start "$keep" ;;
    stop) stop "$keep" ;;
    kill) crash ;;
    restart)
        stop --keep-data
        start --keep-data
        ;;
    status) status ;;
    *) die "$usage" ;;
esac
