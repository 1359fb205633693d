#!/usr/bin/env bash
# test-deploy.sh - deploy/kubernetes/, validated without a cluster: every
# manifest parses as YAML and they fit together (tests/tools/kubecheck.py:
# kinds, ports, the Secret's mount against every --secret-file, the job
# volume, labels, one image), and the checker catches each kind of
# mismatch; the containers' command lines run here as the pods would run
# them, on the tree `make install` makes, and do the job; the Dockerfile
# builds from debian:12-slim with make targets that exist, and installs
# the runtime packages of every library the programs and plugins are
# linked with.  Nothing here runs a container.
#
# Usage: tests/test-deploy.sh [TEST...]     (no arguments: all tests)
# Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "deploy: P passed, F failed"; exits 1 if anything failed.

SUITE=deploy
. "$(dirname "$0")/tools/testlib.sh"

KDIR=$ROOT/deploy/kubernetes
CHECK=$ROOT/tests/tools/kubecheck.py
DOCKERFILE=$KDIR/Dockerfile
WC=$BUILD/apps/wc.so

need_yaml() {
	command -v python3 >/dev/null || skip "no python3 here"
	python3 -c 'import yaml' 2>/dev/null || skip "no python3 yaml module here (python3-yaml)"
}

# --- 1. the manifests --------------------------------------------------------------

t_manifests() {
	need_yaml
	setup 1
	timeout 20 python3 "$CHECK" "$KDIR" >"$T/check.out" 2>&1 ||
		fail "kubecheck.py failed on $KDIR: $(grep '^error' "$T/check.out")"
	grep -c '^checked:' "$T/check.out" | sed 's/$/ checks passed/'
	return $FAILED
}

# mutant NAME FILE SED-EXPR TEXT: a copy of the manifests, $T/NAME, with
# SED-EXPR applied to FILE, on which kubecheck.py must fail saying TEXT
# (checked by mutants_fail).
MUTANTS=()
mutant() {
	local name=$1 file=$2 expr=$3
	rm -rf "${T:?}/$name" && cp -r "$KDIR" "$T/$name" || return 1
	sed -i "$expr" "$T/$name/$file"
	if cmp -s "$KDIR/$file" "$T/$name/$file"; then
		fail "$name: '$expr' changed nothing in $file"
		return 1
	fi
	MUTANTS+=("$name" "$4")
}

# mutants_fail: one kubecheck.py over every mutant: each has the error it must.
mutants_fail() {
	local i dirs=() name text
	for ((i = 0; i < ${#MUTANTS[@]}; i += 2)); do dirs+=("$T/${MUTANTS[i]}"); done
	timeout 30 python3 "$CHECK" "${dirs[@]}" >"$T/mutants.out" 2>&1
	[ $? = 1 ] || fail "kubecheck.py did not exit 1 on the mutants: $(tail -n 2 "$T/mutants.out")"
	for ((i = 0; i < ${#MUTANTS[@]}; i += 2)); do
		name=${MUTANTS[i]}
		text=${MUTANTS[i + 1]}
		grep -F -- "$T/$name: error: " "$T/mutants.out" | grep -qF -- "$text" ||
			fail "$name: kubecheck.py did not say '$text': $(grep -F "$T/$name: error" "$T/mutants.out" | head -n 2)"
	done
	echo "$((${#MUTANTS[@]} / 2)) mismatches caught"
}

t_mismatches() {
	need_yaml
	setup 1
	mutant port workers.yaml 's/mapreduce-coordinator:7070/mapreduce-coordinator:7071/' \
		"--coordinator mapreduce-coordinator:7071, want the Service mapreduce-coordinator:7070"
	mutant listen coordinator.yaml 's/--listen 0.0.0.0:7070/--listen 0.0.0.0:7072/' \
		"--listen port 7072 is not a containerPort"
	mutant target coordinator.yaml 's/targetPort: 7070/targetPort: 7073/' \
		"the Service's targetPort 7073 is not the coordinator's port 7070"
	mutant mount workers.yaml '0,/mountPath: \/etc\/mapreduce$/s//mountPath: \/etc\/mr/' \
		"is not in a Secret volume"
	mutant mode coordinator.yaml 's/defaultMode: 0400/defaultMode: 0644/' \
		"defaultMode 420, want 0400 or 0600"
	mutant secretname workers.yaml 's/secretName: mapreduce-secret/secretName: other-secret/' \
		"want one Secret and key for every --secret-file"
	mutant image workers.yaml '0,/image: mapreduce-c:latest/s//image: mapreduce-c:old/' \
		"containers use several images"
	mutant selector coordinator.yaml '0,/component: coordinator/s//component: worker/' \
		"selects the workers' pods too"
	mutant claim workers.yaml 's/claimName: mapreduce-job/claimName: other-job/' \
		"is not the claim mapreduce-job"
	mutant restart coordinator.yaml 's/restartPolicy: Never/restartPolicy: OnFailure/' \
		"the coordinator's restartPolicy is 'OnFailure', want Never"
	mutant yaml job-volume.yaml 's/^spec:$/spec: [/' "not YAML"
	mutants_fail
	return $FAILED
}

# --- 2. the containers' commands, outside a cluster ----------------------------

# pod_argv JSON: the words of a container's command line (kubecheck.py
# --commands) with the cluster's names replaced by this test's: the secret
# volume, the emptyDir, the Service and the listening address.  Sets ARGV.
pod_argv() {
	local w
	ARGV=()
	while IFS= read -r -d '' w; do
		w=${w//\/etc\/mapreduce/$T/etc-mapreduce}
		w=${w//\/scratch/$T/scratch-$2}
		w=${w//mapreduce-coordinator:7070/127.0.0.1:$PORT}
		w=${w//0.0.0.0:7070/127.0.0.1:$PORT}
		ARGV+=("$w")
	done < <(python3 -c 'import json, sys; sys.stdout.write("".join(a + "\0" for a in json.loads(sys.argv[1])))' "$1")
}

# container_json COMPONENT CONTAINER: the argv (JSON) kubecheck.py --commands
# gave for that container.
container_json() {
	awk -v r="$1" -v n="$2" '$1 == r && $2 == n { $1 = $2 = $3 = ""; print }' "$T/commands"
}

# The manifests' commands, run as the pods would run them but here: the
# tree `make install` makes (the image's), the Secret as a 0400 file, the
# job volume as the job directory with the inputs under inputs/, one
# coordinator, the workers' init container, two workers; the job's output
# must equal mrsequential's.
t_rehearsal() {
	local role name wd json f i n w1
	need_yaml
	setup 8
	PORT=$((20000 + RANDOM % 20000))
	reference "$WC" "$T/ref"
	# The volumes: the Secret's, each worker's emptyDir.
	mkdir -p inputs "$T/etc-mapreduce" "$T/stage" "$T/scratch-1" "$T/scratch-2" || return 1
	for f in "${INPUTS[@]}"; do cp "$f" inputs/ || return 1; done
	(umask 077 && head -c 48 /dev/urandom >"$T/etc-mapreduce/secret") && chmod 0400 "$T/etc-mapreduce/secret"
	if ! timeout -k 5s 300 make --no-print-directory -C "$ROOT" B="$(realpath --relative-to="$ROOT" "$BUILD")" \
		install PREFIX=/usr/local DESTDIR="$T/stage" >"$T/make.out" 2>&1; then
		fail "make install DESTDIR=$T/stage failed: $(tail -n 3 "$T/make.out" | tr '\n' ' ')"
		return 1
	fi
	export PATH="$T/stage/usr/local/bin:$PATH"
	timeout 20 python3 "$CHECK" --commands "$KDIR" >"$T/commands" || { fail "kubecheck.py --commands failed"; return 1; }
	# As in the cluster: the coordinator; once it serves, the workers' init
	# container (it must see it at once); then the workers.
	while read -r role name wd json; do
		[ "$wd" = /job ] || [ "$wd" = - ] || fail "$name: working directory $wd, not the job volume"
		case $role/$name in
		coordinator/coordinator | worker/await-coordinator | worker/worker) ;;
		*) fail "a container kubecheck.py does not know: $role/$name" ;;
		esac
	done <"$T/commands"
	pod_argv "$(container_json coordinator coordinator)" 0
	echo "coordinator: ${ARGV[*]}"
	spawn coord 60 "${ARGV[@]}"
	for ((i = 0; i < 500; i++)); do
		mrctl status --coordinator "127.0.0.1:$PORT" --secret-file "$T/etc-mapreduce/secret" \
			>/dev/null 2>&1 && break
		ended coord && break
		sleep 0.01
	done
	pod_argv "$(container_json worker await-coordinator)" 0
	run init 5 "${ARGV[@]}" || fail "the init container's command failed (exit $(rc_of init))"
	# Both command lines first, then the two workers at once.
	pod_argv "$(container_json worker worker)" 1
	w1=("${ARGV[@]}")
	pod_argv "$(container_json worker worker)" 2
	echo "worker: ${w1[*]}"
	spawn w1 60 "${w1[@]}"
	spawn w2 60 "${ARGV[@]}"
	# The job ends with its workers (5 s more at most once both ended).
	for ((i = 0; i < 3000; i++)); do
		ended coord && break
		ended w1 && ended w2 && [ $((i % 250)) = 249 ] && break
		sleep 0.02
	done
	if ! ended coord; then
		fail "the coordinator did not end (the workers: exit $(rc_of w1), $(rc_of w2))"
		show_err coord
		show_err w1
		return 1
	fi
	expect_rc coord 0
	# A worker that took part ends at once.  One that came after the job
	# was over (as a late pod could) finds no coordinator: it waits, then
	# exits 1 saying so.
	n=0
	for i in 1 2; do
		await "w$i" 2
		case $(rc_of "w$i") in
		0) n=$((n + 1)) ;;
		'?' | 1) grep -q "no coordinator answers" "$T/w$i.err" || ! ended "w$i" ||
			expect_rc "w$i" 0 ;;
		*) expect_rc "w$i" 0 ;;
		esac
	done
	[ $n -ge 1 ] || fail "no worker ended with 0"
	echo "$n of 2 workers took part"
	for ((i = 0; i < 10; i++)); do
		[ -f "mr-out-$i" ] || fail "no mr-out-$i (the manifest says --nreduce 10)"
	done
	snapshot "$T/got"
	same "$T/ref" "$T/got" "the job's output differs from mrsequential's"
	return $FAILED
}

# --- 3. the Dockerfile -------------------------------------------------------------

# run_lines: the Dockerfile's RUN instructions, continuation lines joined.
run_lines() {
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$DOCKERFILE" | grep '^RUN '
}

# apt_packages N: the packages of the Nth apt-get install of the Dockerfile.
apt_packages() {
	run_lines | grep 'apt-get install' | sed -n "$1p" |
		sed 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' | grep -v '^-' | grep . | tr '\n' ' '
}

t_dockerfile() {
	local froms targets t lib p f sonames=() missing='' runtime build ci no_install=0
	setup 1
	froms=$(grep -E '^FROM ' "$DOCKERFILE" | awk '{ print $2 }' | sort -u | tr '\n' ' ')
	[ "$froms" = "debian:12-slim " ] || fail "FROM $froms, want debian:12-slim only"
	[ "$(grep -c '^FROM ' "$DOCKERFILE")" = 2 ] || fail "want two stages (build, runtime)"
	# Every make target it runs exists: make -n TARGET in the repository.
	targets=$(run_lines | grep -oE '(^RUN|&&) +make( -j"?[^ ]*"?)? [a-z][a-z-]*( [A-Z]+=[^ ]*)*' |
		sed -E 's/^(RUN|&&) +//; s/-j[^ ]* //')
	[ -n "$targets" ] || fail "no make command in the Dockerfile's RUN lines"
	while read -r -a t; do
		[ ${#t[@]} -gt 0 ] || continue
		if ! (cd "$ROOT" && timeout 60 make -n "${t[@]:1}" B="$T/b") >"$T/make.out" 2>&1; then
			if [ "${t[1]}" = install ] && grep -q "No rule to make target 'install'" "$T/make.out"; then
				no_install=1
				continue
			fi
			fail "make -n ${t[*]:1} fails: $(tail -n 2 "$T/make.out" | tr '\n' ' ')"
		else
			echo "make -n ${t[*]:1}: $(wc -l <"$T/make.out") commands" >>"$T/info"
		fi
	done <<<"$targets"
	# The runtime stage copies what the build stage installed.
	p=$(run_lines | grep -oE 'make install PREFIX=[^ ]* DESTDIR=[^ ]*' | head -n 1)
	f=$(grep -E '^COPY --from=build ' "$DOCKERFILE" | awk '{ print $3 }')
	p=${p#make install PREFIX=}
	[ -n "$p" ] && [ "$f" = "${p#* DESTDIR=}${p%% *}/" ] ||
		fail "COPY --from=build $f is not the tree make install PREFIX=${p%% *} DESTDIR=${p#* DESTDIR=} makes"
	# The build stage's packages are CI's (which builds with them).
	build=$(apt_packages 1)
	ci=" $(sed -n '/^pkgs=(/,/)/p' "$ROOT/.ci/run" | tr -d '()\n' | sed 's/^pkgs=//') "
	for p in $build; do
		case $ci in *" $p "*) ;; *) fail "build package $p is not in .ci/run's pkgs" ;; esac
	done
	[ -n "$build" ] || fail "no apt-get install in the build stage"
	# ... and hold every build dependency scripts/setup.sh knows of.
	for p in $(sed -n '/^build_pkgs=(/,/)/p' "$ROOT/scripts/setup.sh" | tr -d '()\n' | sed 's/^build_pkgs=//'); do
		case " $build " in *" $p "*) ;; *) fail "the build stage does not install $p (scripts/setup.sh's build_pkgs)" ;; esac
	done
	# The runtime stage installs the package of every library the programs
	# and plugins need (Debian's dpkg -S; libc6 is in the base image).
	if ! command -v dpkg >/dev/null || ! command -v readelf >/dev/null; then
		cat "$T/info" 2>/dev/null
		echo "no dpkg or readelf here: the runtime packages not checked"
		return $FAILED
	fi
	runtime=$(apt_packages 2)
	for f in "$BUILD"/mrcoordinator "$BUILD"/mrworker "$BUILD"/mrctl "$BUILD"/mrsequential "$BUILD"/apps/*.so; do
		mapfile -t -O "${#sonames[@]}" sonames < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	done
	for lib in $(printf '%s\n' "${sonames[@]}" | sort -u); do
		p=$(dpkg -S "*/$lib" 2>/dev/null | grep -v -- '-dev\|:i386\|i386\|lib32\|libx32' | head -n 1 | cut -d: -f1)
		case " $runtime libc6 " in
		*" $p "*) echo "$lib: $p" >>"$T/info" ;;
		*) missing+=" $lib (${p:-no package})" ;;
		esac
	done
	[ -z "$missing" ] || fail "the runtime stage does not install:$missing"
	# Everything else checked: a Makefile without install skips the test
	# rather than pass it.
	if [ "$no_install" = 1 ] && [ "$FAILED" = 0 ]; then
		skip "the Makefile has no install target to check the Dockerfile's make install against"
	fi
	cat "$T/info" 2>/dev/null
	return $FAILED
}

ALL=(
	manifests:t_manifests
	mismatches:t_mismatches
	rehearsal:t_rehearsal
	dockerfile:t_dockerfile
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
