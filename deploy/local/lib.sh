# shellcheck shell=bash
# Shared by cluster.sh and submit.sh: locations, classpaths, process bookkeeping. Sourced, never run.
#
# Every process this cluster starts is a JVM carrying -Dstreamgrad.cluster.dir=<cluster dir>; a PID from a PID file is
# signalled only while /proc/<pid>/cmdline still carries that marker, so a recycled PID is never killed.

set -euo pipefail

LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LOCAL_DIR/../.." && pwd)
# Classpaths and compiled helpers, shared by every cluster directory (git-ignored).
WORK_DIR=${STREAMGRAD_WORK_DIR:-$LOCAL_DIR/.work}
# One cluster's configuration, data, logs and PIDs. Tests point this elsewhere to run a cluster of their own.
CLUSTER_DIR=${STREAMGRAD_CLUSTER_DIR:-$WORK_DIR/cluster}
LIB_FLINK=$WORK_DIR/lib/flink
LIB_KAFKA=$WORK_DIR/lib/kafka
BUILD_DIR=$WORK_DIR/build
REPORTER_JAR=$BUILD_DIR/streamgrad-loopback-prometheus.jar
TOOLS_CLASSES=$BUILD_DIR/tools
PID_DIR=$CLUSTER_DIR/pids
LOG_DIR=$CLUSTER_DIR/log
STATE_FILE=$CLUSTER_DIR/cluster.env

die() {
  echo "${SCRIPT_NAME:-streamgrad}: error: $*" >&2
  exit 1
}

say() { echo "${SCRIPT_NAME:-streamgrad}: $*" >&2; }

require_tools() {
  local t
  for t in java javac jar curl; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' not found on PATH: install a JDK 17 and curl (apt-get install openjdk-17-jdk-headless curl)"
  done
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ ${v%%.*} -ge 17 ]] || die "Java $v on PATH; Flink 2.2 here needs Java 17 (set JAVA_HOME/PATH)"
}

# Runs Maven offline first (fast, no network when ~/.m2 has everything), then online for what is missing.
# The project's Maven wrapper when there is one (it fetches Maven itself from Maven Central), else mvn on PATH.
mvn_fetch() {
  local mvn=$REPO_DIR/mvnw
  if [[ ! -x $mvn ]]; then
    mvn=$(command -v mvn) || die "neither $REPO_DIR/mvnw nor 'mvn' found: install Maven 3.8+ (apt-get install maven)"
  fi
  "$mvn" -B -q -o "$@" >/dev/null 2>&1 || "$mvn" -B -q "$@" >&2
}

copy_classpath() { # <pom> <target dir>
  local pom=$1 target=$2
  if [[ -f $target/.complete && $target/.complete -nt $pom ]]; then
    return 0
  fi
  say "fetching $(basename "$(dirname "$pom")") classpath from Maven Central into ${target#"$REPO_DIR"/} (first use only)"
  rm -rf "$target.partial"
  mvn_fetch -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$target.partial" \
    || die "could not fetch the classpath of $pom with Maven (see the Maven output above)"
  rm -rf "$target"
  mv "$target.partial" "$target"
  touch "$target/.complete"
}

# Classpaths from Maven Central (first use) and the two small helpers compiled against them. Serialised with flock so
# that two clusters started at once (a test and a developer) do not fetch into the same folder.
ensure_classpaths() {
  mkdir -p "$WORK_DIR" "$BUILD_DIR"
  exec 9>"$WORK_DIR/.fetch.lock"
  flock 9
  copy_classpath "$LOCAL_DIR/classpath/flink/pom.xml" "$LIB_FLINK"
  copy_classpath "$LOCAL_DIR/classpath/kafka/pom.xml" "$LIB_KAFKA"
  local src=$LOCAL_DIR/reporter/src
  if [[ ! -f $REPORTER_JAR ]] || [[ -n $(find "$src" -newer "$REPORTER_JAR" -type f | head -1) ]]; then
    rm -rf "$BUILD_DIR/reporter" && mkdir -p "$BUILD_DIR/reporter"
    javac -J-XX:-UsePerfData -nowarn -encoding UTF-8 --release 17 -cp "$LIB_FLINK/*" -d "$BUILD_DIR/reporter" \
      $(find "$src" -name '*.java') || die "could not compile $src"
    cp -r "$src/META-INF" "$BUILD_DIR/reporter/"
    jar cf "$REPORTER_JAR" -C "$BUILD_DIR/reporter" .
  fi
  if [[ ! -f $TOOLS_CLASSES/Topics.class || $LOCAL_DIR/tools/Topics.java -nt $TOOLS_CLASSES/Topics.class ]]; then
    mkdir -p "$TOOLS_CLASSES"
    javac -J-XX:-UsePerfData -nowarn -encoding UTF-8 --release 17 -cp "$LIB_KAFKA/*" -d "$TOOLS_CLASSES" "$LOCAL_DIR/tools/Topics.java" \
      || die "could not compile $LOCAL_DIR/tools/Topics.java"
  fi
  flock -u 9
}

# --- process bookkeeping -------------------------------------------------------------------------------------------

is_ours() { # <pid>: alive and started for this cluster directory
  local pid=$1
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' '\n' </proc/"$pid"/cmdline 2>/dev/null | grep -qxF -- "-Dstreamgrad.cluster.dir=$CLUSTER_DIR"
}

pid_of() { # <role> -> pid or empty
  [[ -f $PID_DIR/$1.pid ]] && cat "$PID_DIR/$1.pid" || true
}

roles() { # every role with a PID file, TaskManagers in start order
  [[ -d $PID_DIR ]] || return 0
  local f
  for f in "$PID_DIR"/kafka.pid "$PID_DIR"/jobmanager.pid; do [[ -f $f ]] && basename "$f" .pid; done
  find "$PID_DIR" -name 'taskmanager-*.pid' -printf '%f\n' 2>/dev/null | sed 's/\.pid$//' | sort -t- -k2 -n
}

running_roles() {
  local r
  for r in $(roles); do is_ours "$(pid_of "$r")" && echo "$r"; done
  return 0
}

load_state() {
  [[ -f $STATE_FILE ]] || die "no cluster in $CLUSTER_DIR: start one with 'streamgrad cluster up'"
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

# A short-lived helper JVM (a Flink or Kafka tool): scratch files under the cluster directory, none in /tmp.
tool_java() {
  mkdir -p "$CLUSTER_DIR/tmp"
  java -XX:-UsePerfData "-Djava.io.tmpdir=$CLUSTER_DIR/tmp" "$@"
}

port_in_use() { # <port>: something accepts connections on 127.0.0.1:<port>
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

rest_get() { # <path>: GET from the JobManager's REST API
  curl -sS --max-time 5 "http://127.0.0.1:$REST_PORT$1"
}

wait_for() { # <seconds> <description> <command...>: polls the command until it succeeds or the deadline passes
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}
