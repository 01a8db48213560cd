#!/usr/bin/env bash
# A real cluster on this machine, without Docker: a Kafka broker (KRaft, broker+controller in one JVM) and a Flink
# standalone session cluster (one JobManager JVM, N TaskManager JVMs), all from Maven Central artifacts, all bound to
# 127.0.0.1, all files under the cluster directory (never /tmp).
#
#   cluster.sh up [--taskmanagers N]   start everything, create the topics, print the web UI address
#   cluster.sh status                  what runs, its PID, ports and log; Flink's view; the topics
#   cluster.sh down                    stop the processes this cluster started (SIGTERM, then SIGKILL after 30 s)
#   cluster.sh add-taskmanager         start one more TaskManager (e.g. to replace a failed one)
#   cluster.sh kill-taskmanager N      kill -9 TaskManager N (failure injection)
#   cluster.sh env                     the cluster's addresses as KEY=VALUE lines (for scripts and tests)
#
# Settings (environment):
#   STREAMGRAD_CLUSTER_DIR    where config, data, logs and PIDs go (default deploy/local/.work/cluster)
#   STREAMGRAD_TASKMANAGERS   TaskManagers started by 'up' (default 2)
#   STREAMGRAD_TM_SLOTS       slots per TaskManager (default 1)
#   STREAMGRAD_TM_MEMORY      taskmanager.memory.process.size (default 1536m)
#   STREAMGRAD_TM_OFFHEAP     taskmanager.memory.task.off-heap.size: ND4J's native buffers live here (default 256m)
#   STREAMGRAD_TM_THREADS     native threads per TaskManager for ND4J/OpenBLAS (OMP_NUM_THREADS, default 1)
#   STREAMGRAD_JM_MEMORY      jobmanager.memory.process.size (default 1024m)
#   STREAMGRAD_KAFKA_HEAP     the broker's -Xmx (default 512m)
#   STREAMGRAD_REST_PORT, STREAMGRAD_JM_RPC_PORT, STREAMGRAD_KAFKA_PORT, STREAMGRAD_KAFKA_CONTROLLER_PORT,
#   STREAMGRAD_PROM_PORT      fixed ports; 'up' fails with a clear error if one is taken. Unset, the first free port
#                             from 8081, 6123, 9092, 9093 and 9249 upwards is taken.
#   STREAMGRAD_TOPICS         NAME:PARTITIONS[:compact] ... (default: examples:2 models:2:compact metrics:1
#                             dead_letters:1, the job's default topic names)
#   STREAMGRAD_FLINK_CONF     a file of extra 'key: value' lines for Flink's config.yaml; they replace the defaults
#   STREAMGRAD_START_TIMEOUT  seconds to wait for each component (default 180)
#   STREAMGRAD_JAVACPP_CACHE  where ND4J unpacks its natives (default ~/.javacpp/cache, shared with the tests)

SCRIPT_NAME="cluster"
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TASKMANAGERS=${STREAMGRAD_TASKMANAGERS:-2}
TM_SLOTS=${STREAMGRAD_TM_SLOTS:-1}
TM_MEMORY=${STREAMGRAD_TM_MEMORY:-1536m}
TM_OFFHEAP=${STREAMGRAD_TM_OFFHEAP:-256m}
TM_THREADS=${STREAMGRAD_TM_THREADS:-1}
JM_MEMORY=${STREAMGRAD_JM_MEMORY:-1024m}
KAFKA_HEAP=${STREAMGRAD_KAFKA_HEAP:-512m}
TOPICS=${STREAMGRAD_TOPICS:-examples:2 models:2:compact metrics:1 dead_letters:1}
START_TIMEOUT=${STREAMGRAD_START_TIMEOUT:-180}
JAVACPP_CACHE=${STREAMGRAD_JAVACPP_CACHE:-$HOME/.javacpp/cache}

FLINK_CONF_DIR=$CLUSTER_DIR/flink/conf
KAFKA_CONF_DIR=$CLUSTER_DIR/kafka/conf

# Flink's Java 17 flags, as in the default config.yaml of Flink 2.2 (env.java.opts.all).
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

usage() {
  sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- ports ---------------------------------------------------------------------------------------------------------

TAKEN_PORTS=" "

pick_port() { # <out var> <env var> <default start>: a fixed port that must be free, or the first free one upwards
  local out=$1 var=$2 start=$3 fixed=${!2:-} p
  if [[ -n $fixed ]]; then
    [[ $fixed =~ ^[0-9]+$ ]] || die "$var=$fixed is not a port number"
    if port_in_use "$fixed" || [[ $TAKEN_PORTS == *" $fixed "* ]]; then
      die "port $fixed ($var) is already in use on 127.0.0.1: stop what holds it (ss -ltnp 'sport = :$fixed') or set $var to a free port"
    fi
    p=$fixed
  else
    p=$start
    while port_in_use "$p" || [[ $TAKEN_PORTS == *" $p "* ]]; do
      p=$((p + 1))
      ((p < start + 200)) || die "no free port in $start..$((start + 199)) on 127.0.0.1 for $var"
    done
  fi
  TAKEN_PORTS+="$p "
  printf -v "$out" '%s' "$p"
}

next_prom_port() { # a free port for one more process's Prometheus endpoint
  local p=$PROM_PORT_BASE f
  for f in "$PID_DIR"/*.prom; do [[ -f $f ]] && TAKEN_PORTS+="$(cat "$f") "; done
  while port_in_use "$p" || [[ $TAKEN_PORTS == *" $p "* ]]; do
    p=$((p + 1))
    ((p < PROM_PORT_BASE + 200)) || die "no free port for a Prometheus endpoint in $PROM_PORT_BASE..$((p - 1))"
  done
  TAKEN_PORTS+="$p "
  echo "$p"
}

# --- configuration -------------------------------------------------------------------------------------------------

write_kafka_config() {
  mkdir -p "$KAFKA_CONF_DIR" "$CLUSTER_DIR/kafka/data"
  cat >"$KAFKA_CONF_DIR/server.properties" <<EOF
# Generated by deploy/local/cluster.sh: one node in KRaft combined mode (broker + controller), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$CLUSTER_DIR/kafka/data
# Topics are created explicitly (models compacted); a misspelt topic name fails instead of creating a new topic.
auto.create.topics.enable=false
num.partitions=1
# One node: replication factor and min ISR 1 for the internal topics, few partitions so they are created quickly.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# A restart after kill -9 waits this long on DUPLICATE_BROKER_REGISTRATION (9 s by default).
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
EOF
  cat >"$KAFKA_CONF_DIR/log4j2.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/kafka.log
appender.file.filePattern = ${sys:kafka.logs.dir}/kafka.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
EOF
  cat >"$KAFKA_CONF_DIR/tools-log4j2.properties" <<'EOF'
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %p %m (%c)%n
EOF
}

write_flink_config() {
  mkdir -p "$FLINK_CONF_DIR" "$CLUSTER_DIR"/flink/{tmp,web,jars,work,checkpoints,savepoints}
  local c=$FLINK_CONF_DIR/config.yaml
  cat >"$c" <<EOF
# Generated by deploy/local/cluster.sh for the cluster in $CLUSTER_DIR.
# Loopback only.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $JM_RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT
# The shaded job jar (ND4J natives included) is larger than the REST default of 100 MiB.
rest.server.max-content-length: 536870912
# No files in /tmp: every process's scratch space is under the cluster directory.
io.tmp.dirs: $CLUSTER_DIR/flink/tmp
web.tmpdir: $CLUSTER_DIR/flink/web
web.upload.dir: $CLUSTER_DIR/flink/jars
process.working-dir: $CLUSTER_DIR/flink/work
# A job's main() runs inside the JobManager on REST submission: its System.exit must not end the JobManager.
cluster.intercept-user-system-exit: THROW
# Memory. ND4J allocates its buffers off-heap through JavaCPP: they belong to task off-heap memory (see DEPLOY.md).
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.memory.process.size: $TM_MEMORY
taskmanager.memory.task.off-heap.size: $TM_OFFHEAP
taskmanager.memory.managed.fraction: 0.2
taskmanager.numberOfTaskSlots: $TM_SLOTS
parallelism.default: $((TASKMANAGERS * TM_SLOTS))
# Fault tolerance: a dead TaskManager is noticed within 5 s instead of 50 s.
heartbeat.interval: 1000
heartbeat.timeout: 5000
jobmanager.execution.failover-strategy: region
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 500 ms
restart-strategy.exponential-delay.max-backoff: 10 s
execution.checkpointing.dir: file://$CLUSTER_DIR/flink/checkpoints
execution.checkpointing.savepoint-dir: file://$CLUSTER_DIR/flink/savepoints
execution.checkpointing.num-retained: 3
state.backend.type: hashmap
# Metrics: Flink's Prometheus reporter, bound to loopback (each process gets its own port, see 'cluster.sh status').
metrics.reporter.prom.factory.class: io.streamgrad.deploy.metrics.LoopbackPrometheusReporterFactory
metrics.reporter.prom.host: 127.0.0.1
metrics.reporter.prom.port: $PROM_PORT_BASE
env.java.opts.all: ${JAVA17_OPTS[*]}
EOF
  if [[ -n ${STREAMGRAD_FLINK_CONF:-} ]]; then
    [[ -f $STREAMGRAD_FLINK_CONF ]] || die "STREAMGRAD_FLINK_CONF=$STREAMGRAD_FLINK_CONF: no such file"
    local line key
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
      [[ $line =~ ^([A-Za-z0-9._-]+):[[:space:]] ]] || die "$STREAMGRAD_FLINK_CONF: '$line' is not a flat 'key: value' line"
      key=${BASH_REMATCH[1]}
      grep -vE "^${key//./\\.}:" "$c" >"$c.tmp" || true
      mv "$c.tmp" "$c"
      echo "$line" >>"$c"
    done <"$STREAMGRAD_FLINK_CONF"
  fi
  cat >"$FLINK_CONF_DIR/log4j.properties" <<'EOF'
# Flink's process logs: one file per process (log.file), rolled at 20 MB; the web UI shows them.
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = RollingFile
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.filePattern = ${sys:log.file}.%i
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.main.policies.type = Policies
appender.main.policies.size.type = SizeBasedTriggeringPolicy
appender.main.policies.size.size = 20MB
appender.main.strategy.type = DefaultRolloverStrategy
appender.main.strategy.max = 3
# Kafka clients register the same metric names per producer/consumer: hundreds of harmless WARNs otherwise.
logger.metricgroups.name = org.apache.flink.runtime.metrics.groups
logger.metricgroups.level = ERROR
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
EOF
}

write_state() {
  cat >"$STATE_FILE" <<EOF
CLUSTER_DIR=$CLUSTER_DIR
REST_PORT=$REST_PORT
WEB_UI=http://127.0.0.1:$REST_PORT
JM_RPC_PORT=$JM_RPC_PORT
KAFKA_PORT=$KAFKA_PORT
KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
PROM_PORT_BASE=$PROM_PORT_BASE
FLINK_CONF_DIR=$FLINK_CONF_DIR
TOPICS="$TOPICS"
EOF
}

# --- processes -----------------------------------------------------------------------------------------------------

# Starts a JVM in its own session (setsid: a Ctrl-C in the terminal or the end of a test's process group does not
# reach it; 'down' stops it by PID) and records its PID.
launch() { # <role> <java args...>
  local role=$1
  shift
  mkdir -p "$PID_DIR" "$LOG_DIR" "$CLUSTER_DIR/tmp"
  # -XX:-UsePerfData: no /tmp/hsperfdata_<user> file (the JVM would write it there whatever java.io.tmpdir says).
  setsid java "-Dstreamgrad.cluster.dir=$CLUSTER_DIR" "-Dstreamgrad.role=$role" "-Djava.io.tmpdir=$CLUSTER_DIR/tmp" \
    -XX:-UsePerfData "$@" </dev/null >"$LOG_DIR/$role.out" 2>&1 &
  echo $! >"$PID_DIR/$role.pid"
}

bash_java_utils() { # <GET_TM_RESOURCE_PARAMS|GET_JM_RESOURCE_PARAMS>: sets JVM_PARAMS and DYNAMIC_CONFIGS
  local out
  out=$(tool_java -Xmx128m -cp "$LIB_FLINK/*" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$FLINK_CONF_DIR" 2>&1) || true
  local results
  results=$(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"$out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://') || true
  if [[ $(wc -l <<<"$results") -lt 2 ]]; then
    echo "$out" | grep -v '^\s*at ' | head -5 >&2
    die "Flink rejected the memory settings (STREAMGRAD_TM_MEMORY=$TM_MEMORY, STREAMGRAD_TM_OFFHEAP=$TM_OFFHEAP, STREAMGRAD_JM_MEMORY=$JM_MEMORY): see the message above"
  fi
  JVM_PARAMS=$(sed -n 1p <<<"$results")
  DYNAMIC_CONFIGS=$(sed -n 2p <<<"$results")
}

start_kafka() {
  local id
  # A base64url UUID, as StorageTool random-uuid makes; one starting with '-' would read as an option to the
  # tool's argument parser (1 in 64), so draw again.
  id=-
  while [[ "$id" == -* ]]; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
  tool_java -Xmx256m "-Dlog4j2.configurationFile=file:$KAFKA_CONF_DIR/tools-log4j2.properties" \
    -cp "$LIB_KAFKA/*" kafka.tools.StorageTool format --standalone -t "$id" -c "$KAFKA_CONF_DIR/server.properties" \
    >"$LOG_DIR/kafka-format.out" 2>&1 || { cat "$LOG_DIR/kafka-format.out" >&2; die "formatting the Kafka log directory failed"; }
  launch kafka "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j2.configurationFile=file:$KAFKA_CONF_DIR/log4j2.properties" \
    -cp "$LIB_KAFKA/*" kafka.Kafka "$KAFKA_CONF_DIR/server.properties"
}

flink_jvm_opts() { # <role>
  echo "-XX:+UseG1GC -Dlog.file=$LOG_DIR/$1.log -Dlog4j.configurationFile=file:$FLINK_CONF_DIR/log4j.properties"
}

start_jobmanager() {
  bash_java_utils GET_JM_RESOURCE_PARAMS
  local prom
  prom=$(next_prom_port)
  echo "$prom" >"$PID_DIR/jobmanager.prom"
  # shellcheck disable=SC2086 # JVM_PARAMS, DYNAMIC_CONFIGS and flink_jvm_opts are word lists by design
  launch jobmanager $JVM_PARAMS $(flink_jvm_opts jobmanager) "${JAVA17_OPTS[@]}" \
    -cp "$LIB_FLINK/*:$REPORTER_JAR" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    --configDir "$FLINK_CONF_DIR" $DYNAMIC_CONFIGS -D "metrics.reporter.prom.port=$prom"
}

next_tm_index() {
  local n=0 f i
  for f in "$PID_DIR"/taskmanager-*.pid; do
    [[ -f $f ]] || continue
    i=${f##*/taskmanager-}
    i=${i%.pid}
    ((i > n)) && n=$i
  done
  echo $((n + 1))
}

start_taskmanager() { # sets STARTED_TM to the role name
  [[ -n ${TM_JVM_PARAMS:-} ]] || { bash_java_utils GET_TM_RESOURCE_PARAMS; TM_JVM_PARAMS=$JVM_PARAMS; TM_DYNAMIC=$DYNAMIC_CONFIGS; }
  local i prom off_heap_bytes process_bytes
  i=$(next_tm_index)
  prom=$(next_prom_port)
  echo "$prom" >"$PID_DIR/taskmanager-$i.prom"
  off_heap_bytes=$(sed -n 's/.*taskmanager.memory.task.off-heap.size=\([0-9]*\)b.*/\1/p' <<<"$TM_DYNAMIC")
  process_bytes=$(to_bytes "$TM_MEMORY")
  STARTED_TM=taskmanager-$i
  # ND4J (JavaCPP) caps its native allocations at maxbytes (default: -Xmx) and the whole process at maxphysicalbytes
  # (default: 2 x -Xmx, which a TaskManager's RSS can exceed with nothing wrong): align both with Flink's budget.
  # One native thread per slot by default: ND4J's OpenMP pool and OpenBLAS would otherwise each start one thread per
  # core in every TaskManager and oversubscribe the machine.
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=$TM_THREADS OPENBLAS_NUM_THREADS=$TM_THREADS launch "$STARTED_TM" $TM_JVM_PARAMS $(flink_jvm_opts "$STARTED_TM") "${JAVA17_OPTS[@]}" \
    "-Dorg.bytedeco.javacpp.cachedir=$JAVACPP_CACHE" "-Dorg.bytedeco.javacpp.maxbytes=$off_heap_bytes" \
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=$process_bytes" \
    -cp "$LIB_FLINK/*:$REPORTER_JAR" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$FLINK_CONF_DIR" $TM_DYNAMIC -D "taskmanager.resource-id=tm-$i" -D "metrics.reporter.prom.port=$prom"
}

to_bytes() { # 1536m / 2g / 1048576 -> bytes
  local v=${1,,}
  case $v in
    *k | *kb) echo $((${v%%k*} * 1024)) ;;
    *m | *mb) echo $((${v%%m*} * 1024 * 1024)) ;;
    *g | *gb) echo $((${v%%g*} * 1024 * 1024 * 1024)) ;;
    *) echo "$v" ;;
  esac
}

registered_taskmanagers() {
  rest_get /overview 2>/dev/null | grep -o '"taskmanagers":[0-9]*' | cut -d: -f2
}

alive_or_die() { # <role>: fail fast, with its log, when a process died during startup
  local role=$1 pid
  pid=$(pid_of "$role")
  if ! is_ours "$pid"; then
    say "$role (pid $pid) exited during startup; last lines of its logs:"
    tail -n 30 "$LOG_DIR/$role.out" >&2 2>/dev/null || true
    [[ -f $LOG_DIR/$role.log ]] && grep -E 'ERROR|Exception' "$LOG_DIR/$role.log" | tail -n 10 >&2
    return 1
  fi
}

await() { # <description> <role> <check command...>: wait until the check passes while the role's process lives
  local what=$1 role=$2
  shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    alive_or_die "$role" || die "$what failed: $role exited (logs in $LOG_DIR)"
    ((SECONDS < deadline)) || die "$what: not ready after $START_TIMEOUT s (logs in $LOG_DIR, STREAMGRAD_START_TIMEOUT)"
    sleep 0.3
  done
}

taskmanager_registered() { rest_get /taskmanagers | grep -q "\"id\":\"$1\""; }
taskmanagers_at_least() { [[ $(registered_taskmanagers) -ge $1 ]]; }
rest_up() { rest_get /overview | grep -q '"flink-version"'; }

# --- commands ------------------------------------------------------------------------------------------------------

cmd_up() {
  while (($#)); do
    case $1 in
      --taskmanagers) TASKMANAGERS=${2:?--taskmanagers needs a number}; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $TASKMANAGERS =~ ^[1-9][0-9]*$ ]] || die "STREAMGRAD_TASKMANAGERS/--taskmanagers=$TASKMANAGERS: expected a positive number"
  local running
  running=$(running_roles | tr '\n' ' ')
  [[ -z $running ]] || die "a cluster in $CLUSTER_DIR is already running ($running): 'streamgrad cluster status' or 'down'"
  local spec
  for spec in $TOPICS; do
    [[ $spec =~ ^[A-Za-z0-9._-]+:[1-9][0-9]*(:compact)?$ ]] || die "STREAMGRAD_TOPICS: '$spec' is not NAME:PARTITIONS[:compact]"
  done
  require_tools
  ensure_classpaths

  local t0=$SECONDS
  # Each 'up' is a fresh cluster: data, checkpoints and logs of the last one are removed.
  rm -rf "${CLUSTER_DIR:?}"/{kafka,flink,log,pids,tmp,cluster.env}
  mkdir -p "$PID_DIR" "$LOG_DIR"
  pick_port REST_PORT STREAMGRAD_REST_PORT 8081
  pick_port JM_RPC_PORT STREAMGRAD_JM_RPC_PORT 6123
  pick_port KAFKA_PORT STREAMGRAD_KAFKA_PORT 9092
  pick_port KAFKA_CONTROLLER_PORT STREAMGRAD_KAFKA_CONTROLLER_PORT 9093
  pick_port PROM_PORT_BASE STREAMGRAD_PROM_PORT 9249
  TAKEN_PORTS=${TAKEN_PORTS%"$PROM_PORT_BASE "} # the first Prometheus port goes to the JobManager (next_prom_port)
  write_state
  write_kafka_config
  write_flink_config

  # From here on, any exit before the end (a failed step, die, Ctrl-C) stops whatever was started.
  UP_DONE=0
  trap 'if ((UP_DONE == 0)); then say "startup did not finish: stopping what was started"; cmd_down >/dev/null 2>&1 || true; fi' EXIT
  trap 'exit 130' INT TERM

  say "starting Kafka on 127.0.0.1:$KAFKA_PORT and Flink (1 JobManager, $TASKMANAGERS TaskManagers) in $CLUSTER_DIR"
  start_kafka
  start_jobmanager
  local i
  for ((i = 0; i < TASKMANAGERS; i++)); do start_taskmanager; done

  # shellcheck disable=SC2086
  await "creating topics" kafka tool_java "-Dlog4j2.configurationFile=file:$KAFKA_CONF_DIR/tools-log4j2.properties" \
    -cp "$TOOLS_CLASSES:$LIB_KAFKA/*" Topics create "127.0.0.1:$KAFKA_PORT" $TOPICS
  await "Flink REST API on port $REST_PORT" jobmanager rest_up
  await "$TASKMANAGERS TaskManagers registering" jobmanager taskmanagers_at_least "$TASKMANAGERS"
  UP_DONE=1
  trap - INT TERM

  say "up in $((SECONDS - t0)) s"
  echo "Flink web UI:    http://127.0.0.1:$REST_PORT"
  echo "Kafka bootstrap: 127.0.0.1:$KAFKA_PORT"
  echo "topics:          $TOPICS"
  echo "cluster dir:     $CLUSTER_DIR  ('streamgrad cluster status', 'streamgrad cluster down')"
}

cmd_add_taskmanager() {
  load_state
  is_ours "$(pid_of jobmanager)" || die "the JobManager is not running: 'streamgrad cluster up' first"
  start_taskmanager
  # Wait for this TaskManager's own id: the count alone misleads while a killed one is still counted.
  await "$STARTED_TM registering" "$STARTED_TM" taskmanager_registered "tm-${STARTED_TM#taskmanager-}"
  echo "$STARTED_TM pid $(pid_of "$STARTED_TM") registered"
}

cmd_kill_taskmanager() {
  local n=${1:?usage: cluster.sh kill-taskmanager N}
  load_state
  local pid
  pid=$(pid_of "taskmanager-$n")
  is_ours "$pid" || die "taskmanager-$n is not running (see 'streamgrad cluster status')"
  kill -9 "$pid"
  echo "killed taskmanager-$n (pid $pid) with SIGKILL"
}

cmd_down() {
  [[ -d $PID_DIR ]] || { echo "no cluster in $CLUSTER_DIR"; return 0; }
  local r pid flink=() kafka=()
  for r in $(running_roles); do
    if [[ $r == kafka ]]; then kafka+=("$r"); else flink+=("$r"); fi
  done
  # Flink first (its Kafka clients would otherwise retry against a stopped broker), then the broker.
  stop_roles "${flink[@]}"
  stop_roles "${kafka[@]}"
  rm -f "$PID_DIR"/*.pid "$PID_DIR"/*.prom
  echo "stopped: ${flink[*]} ${kafka[*]}" | sed 's/  */ /g'
}

stop_roles() { # <role...>: SIGTERM, wait up to 30 s, then SIGKILL
  (($#)) || return 0
  local r pid deadline=$((SECONDS + 30)) left
  for r in "$@"; do
    pid=$(pid_of "$r")
    is_ours "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  while :; do
    left=()
    for r in "$@"; do is_ours "$(pid_of "$r")" && left+=("$r"); done
    ((${#left[@]})) || return 0
    if ((SECONDS >= deadline)); then
      for r in "${left[@]}"; do
        pid=$(pid_of "$r")
        say "$r (pid $pid) did not stop within 30 s of SIGTERM: sending SIGKILL"
        is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
      done
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
}

cmd_status() {
  if [[ ! -f $STATE_FILE ]]; then
    echo "no cluster in $CLUSTER_DIR ('streamgrad cluster up' starts one)"
    return 3
  fi
  load_state
  if [[ -z $(roles) ]]; then
    echo "the cluster in $CLUSTER_DIR is down ('streamgrad cluster up' starts it)"
    return 3
  fi
  local r pid state ports all_up=0
  printf '%-16s %-8s %-8s %-44s %s\n' ROLE PID STATE ADDRESSES LOG
  for r in $(roles); do
    pid=$(pid_of "$r")
    if is_ours "$pid"; then state=running; else state=stopped; all_up=1; fi
    case $r in
      kafka) ports="kafka 127.0.0.1:$KAFKA_PORT controller :$KAFKA_CONTROLLER_PORT" ;;
      jobmanager) ports="rest :$REST_PORT rpc :$JM_RPC_PORT metrics :$(cat "$PID_DIR/$r.prom" 2>/dev/null)" ;;
      *) ports="id tm-${r#taskmanager-} metrics :$(cat "$PID_DIR/$r.prom" 2>/dev/null)" ;;
    esac
    local logf=$LOG_DIR/$r.log
    printf '%-16s %-8s %-8s %-44s %s\n' "$r" "$pid" "$state" "$ports" "${logf#"$REPO_DIR"/}"
  done
  echo
  if rest_up 2>/dev/null; then
    local overview
    overview=$(rest_get /overview)
    echo "Flink web UI http://127.0.0.1:$REST_PORT: taskmanagers=$(grep -o '"taskmanagers":[0-9]*' <<<"$overview" | cut -d: -f2)" \
      "slots=$(grep -o '"slots-total":[0-9]*' <<<"$overview" | cut -d: -f2)" \
      "free=$(grep -o '"slots-available":[0-9]*' <<<"$overview" | cut -d: -f2)"
    rest_get /jobs/overview | grep -o '"jid":"[^"]*","name":"[^"]*","start-time":[0-9]*,"end-time":-\{0,1\}[0-9]*,"duration":[0-9]*,"state":"[^"]*"' \
      | sed -E 's/"jid":"([^"]*)","name":"([^"]*)".*"state":"([^"]*)"/  job \1  \3  \2/' || echo "  no jobs"
  else
    echo "Flink REST API on 127.0.0.1:$REST_PORT does not answer"
  fi
  if is_ours "$(pid_of kafka)"; then
    echo "Kafka 127.0.0.1:$KAFKA_PORT topics:"
    tool_java "-Dlog4j2.configurationFile=file:$KAFKA_CONF_DIR/tools-log4j2.properties" \
      -cp "$TOOLS_CLASSES:$LIB_KAFKA/*" Topics list "127.0.0.1:$KAFKA_PORT" | sed 's/^/  /'
  fi
  return $all_up
}

cmd_env() {
  load_state
  cat "$STATE_FILE"
  local r
  for r in $(roles); do
    echo "PID_${r//-/_}=$(pid_of "$r")" | tr '[:lower:]' '[:upper:]'
    [[ -f $PID_DIR/$r.prom ]] && echo "PROM_${r//-/_}=$(cat "$PID_DIR/$r.prom")" | tr '[:lower:]' '[:upper:]'
  done
  return 0
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  add-taskmanager) cmd_add_taskmanager ;;
  kill-taskmanager) cmd_kill_taskmanager "${2:-}" ;;
  env) cmd_env ;;
  *) usage ;;
esac
