#!/usr/bin/env bash
# Submits the streamgrad job to the local Flink session cluster started by cluster.sh, through the REST API
# (upload the jar, run it, wait until every task runs). The job's main() runs in the JobManager, on this machine, so
# the config path is passed as an absolute path.
#
#   submit.sh --config job.yaml [--jar JAR] [--class NAME] [--parallelism N] [--fresh | --from-savepoint PATH]
#             [--no-wait] [-- more job arguments]
#
#   --config          the job configuration (required); passed to the job as --config <absolute path>
#   --jar             the job jar (default flink-job/target/streamgrad-job.jar, built here when missing or stale)
#   --class           the entry class (default io.streamgrad.job.StreamgradJob)
#   --parallelism     the job's default parallelism (default: the cluster's, i.e. all slots)
#   --from-savepoint  restore from this savepoint or retained checkpoint directory (chk-<n>)
#   --fresh           start fresh models, ignoring the checkpoints under <checkpoint_dir>/<job_name>
#
# Restarting resumes, as './streamgrad run' does: with checkpoint_dir set in the job config (and the default
# --class), the job restores from the newest complete checkpoint or savepoint under <checkpoint_dir>/<job_name>,
# says which on stderr, and once it runs, older runs' checkpoint directories beyond checkpoint_retained_runs are
# deleted. Without checkpoint_dir it starts fresh models (and says so).
#   --no-wait         return once Flink accepted the job instead of waiting until all its tasks run
#
# Prints the job id and its web UI address on stdout. Settings: STREAMGRAD_CLUSTER_DIR (as for cluster.sh),
# STREAMGRAD_SUBMIT_TIMEOUT (seconds to wait for RUNNING, default 120).

SCRIPT_NAME="submit"
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

json_string() { # a JSON string literal
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

DEFAULT_JAR=$REPO_DIR/flink-job/target/streamgrad-job.jar
CONFIG="" JAR=$DEFAULT_JAR ENTRY=io.streamgrad.job.StreamgradJob
PARALLELISM="" SAVEPOINT="" FRESH=0 WAIT=1 EXTRA=()
while (($#)); do
  case $1 in
    --config) CONFIG=${2:?--config needs a file}; shift 2 ;;
    --jar) JAR=${2:?--jar needs a file}; shift 2 ;;
    --class) ENTRY=${2:?--class needs a class name}; shift 2 ;;
    --parallelism) PARALLELISM=${2:?--parallelism needs a number}; shift 2 ;;
    --from-savepoint) SAVEPOINT=${2:?--from-savepoint needs a path}; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --no-wait) WAIT=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h | --help) usage ;;
    *) die "unknown option '$1' (see submit.sh --help)" ;;
  esac
done
[[ -n $CONFIG ]] || die "--config job.yaml is required (see submit.sh --help)"
((FRESH)) && [[ -n $SAVEPOINT ]] && die "--fresh and --from-savepoint contradict each other: give one of them"
[[ -f $CONFIG ]] || die "--config $CONFIG: no such file"
# The default jar is (re)built when missing or older than the sources it is made of; a --jar is taken as it is.
if [[ $JAR == "$DEFAULT_JAR" ]]; then
  if [[ ! -f $JAR ]] || [[ -n $(find "$REPO_DIR/pom.xml" "$REPO_DIR"/{schemas,learner,flink-job}/pom.xml \
      "$REPO_DIR"/{schemas,learner,flink-job}/src/main -type f -newer "$JAR" 2>/dev/null | head -1) ]]; then
    say "building the job jar (flink-job/target/streamgrad-job.jar): about a minute"
    (cd "$REPO_DIR" && ./mvnw -B -q -pl flink-job -am package -DskipTests -Dstreamgrad.skipJobJar=false) >&2 \
      || die "building the job jar failed: run './mvnw -B -pl flink-job -am package -DskipTests' to see why"
  fi
fi
[[ -f $JAR ]] || die "job jar $JAR not found: build it with './mvnw -B -q -pl flink-job -am package -DskipTests' or pass --jar"
[[ -z $PARALLELISM || $PARALLELISM =~ ^[1-9][0-9]*$ ]] || die "--parallelism $PARALLELISM: expected a positive number"
CONFIG=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")

load_state
# The job reads Kafka's address from its config: a config written for another broker would fail only later, in the job.
if grep -q 'bootstrap.servers' "$CONFIG" && ! grep -q "$KAFKA_BOOTSTRAP" "$CONFIG"; then
  say "warning: $CONFIG does not name this cluster's broker $KAFKA_BOOTSTRAP in kafka.bootstrap.servers"
fi
rest_get /overview >/dev/null 2>&1 || die "the Flink cluster in $CLUSTER_DIR does not answer on 127.0.0.1:$REST_PORT: 'streamgrad cluster status'"

# The job's checkpoints: where to resume from (the same rules as './streamgrad run', read by the job jar's own
# CheckpointStore with Flink's file systems). Only for the streamgrad job: another --class has its own layout.
checkpoint_store() {
  tool_java -Xmx256m -cp "$JAR:$LIB_FLINK/*" io.streamgrad.job.checkpoint.CheckpointStore --config "$CONFIG" "$@"
}
RESUMES=0
[[ $ENTRY == io.streamgrad.job.StreamgradJob ]] && RESUMES=1
if [[ -n $SAVEPOINT ]]; then
  say "resuming from $SAVEPOINT (--from-savepoint)"
elif ((RESUMES && FRESH)); then
  checkpoint_store fresh || die "could not read the checkpoint directory of $CONFIG (see above)"
elif ((RESUMES)); then
  answer=$(checkpoint_store resume-point) \
    || die "could not look for a checkpoint to resume from (see above); --fresh starts over, --from-savepoint PATH picks one"
  SAVEPOINT=$(sed -n 's/^resume-point=//p' <<<"$answer")
fi

# A setting that turned an output off since the checkpoint leaves state no operator claims: the job jar's
# ResumeCheck allows dropping exactly that (and refuses any other unclaimed state, naming it).
IGNORE_UNCLAIMED=0
if ((RESUMES)) && [[ -n $SAVEPOINT ]]; then
  answer=$(checkpoint_store resume-check "$SAVEPOINT") \
    || die "the checkpoint $SAVEPOINT does not fit the job $CONFIG builds (see above)"
  grep -q '^ignore-unclaimed-state=true$' <<<"$answer" && IGNORE_UNCLAIMED=1
fi

upload=$(curl -sS --max-time 300 -X POST -H "Expect:" -F "jarfile=@$JAR" "http://127.0.0.1:$REST_PORT/jars/upload") \
  || die "uploading $JAR to http://127.0.0.1:$REST_PORT/jars/upload failed"
jar_path=$(grep -o '"filename":"[^"]*"' <<<"$upload" | cut -d'"' -f4) || true
[[ -n $jar_path ]] || die "Flink refused the jar $JAR: $upload"
jar_id=$(basename "$jar_path")

args=("--config" "$CONFIG" "${EXTRA[@]}")
body="{\"entryClass\":$(json_string "$ENTRY"),\"programArgsList\":["
sep=""
for a in "${args[@]}"; do body+="$sep$(json_string "$a")"; sep=","; done
body+="]"
[[ -n $PARALLELISM ]] && body+=",\"parallelism\":$PARALLELISM"
[[ -n $SAVEPOINT ]] && body+=",\"savepointPath\":$(json_string "$SAVEPOINT")"
((IGNORE_UNCLAIMED)) && body+=",\"allowNonRestoredState\":true"
body+="}"

run=$(curl -sS --max-time 300 -X POST -H 'Content-Type: application/json' -d "$body" \
  "http://127.0.0.1:$REST_PORT/jars/$jar_id/run") || die "POST /jars/$jar_id/run failed"
# The job graph holds its own copy of the jar (in the blob store): the upload is no longer needed.
curl -sS --max-time 30 -X DELETE "http://127.0.0.1:$REST_PORT/jars/$jar_id" >/dev/null 2>&1 || true
job_id=$(grep -o '"jobid":"[0-9a-f]*"' <<<"$run" | cut -d'"' -f4) || true
if [[ -z $job_id ]]; then
  # Flink returns the main() method's exception as a JSON-escaped stack trace; show its first lines.
  echo "$run" | sed 's/\\n/\n/g; s/\\t/  /g' | grep -v '^  at ' | head -20 >&2
  die "Flink did not start the job (entry class $ENTRY, config $CONFIG): see the error above and $LOG_DIR/jobmanager.log"
fi

all_running() {
  local detail
  detail=$(rest_get "/jobs/$job_id") || return 1
  grep -q '"state":"RUNNING"' <<<"$detail" || return 1
  # Every task deployed: none still CREATED, SCHEDULED, DEPLOYING or INITIALIZING (a bounded source may be FINISHED).
  ! grep -qE '"status":"(CREATED|SCHEDULED|DEPLOYING|INITIALIZING)"' <<<"$detail"
}
job_failed() { rest_get "/jobs/$job_id" | grep -qE '"state":"(FAILED|CANCELED|FINISHED)"'; }

if ((WAIT)); then
  deadline=$((SECONDS + ${STREAMGRAD_SUBMIT_TIMEOUT:-120}))
  until all_running; do
    if job_failed; then
      rest_get "/jobs/$job_id/exceptions" | grep -o '"root-exception":"[^"]\{0,600\}' | sed 's/\\n/\n/g' >&2 || true
      die "job $job_id stopped before running: see http://127.0.0.1:$REST_PORT/#/job/completed/$job_id/exceptions"
    fi
    ((SECONDS < deadline)) || die "job $job_id is not RUNNING after ${STREAMGRAD_SUBMIT_TIMEOUT:-120} s (free slots? 'streamgrad cluster status')"
    sleep 0.3
  done
  state=RUNNING
  # Running (its state restored): older runs' checkpoint directories can go, never the newest complete checkpoint.
  if ((RESUMES)); then
    checkpoint_store clean "$job_id" || say "warning: older checkpoint directories were not removed (see above)"
  fi
else
  state=SUBMITTED
fi
echo "job $job_id $state  http://127.0.0.1:$REST_PORT/#/job/running/$job_id/overview"
