#!/usr/bin/env python3
"""kubecheck.py - check the Kubernetes manifests of deploy/kubernetes/.

Usage: tests/tools/kubecheck.py DIR...
       tests/tools/kubecheck.py --commands DIR

Parses every YAML document of DIR/*.yaml (python3-yaml) and checks that
they fit together: the kinds there (a PersistentVolumeClaim for the job
directory, a Service and a Job for the coordinator, a Job for the
workers), the ports (the coordinator's --listen port, its containerPort,
the Service's targetPort; the Service's name and port in every worker's
--coordinator), the secret (a Secret volume of mode 0400 or 0600 whose
mount path plus the Secret's key is every --secret-file, the key named in
the `kubectl create secret` line of the comments), the job volume (the
claim, mounted at every container's working directory), the labels (the
Service selects the coordinator's pod and not the workers'), one image
everywhere, named as in the Dockerfile's build line.

Prints one line per check done and one line per problem ("error: ..."),
each after "DIR: " when several DIRs are given; exits 0 when there is no
problem in any, 1 otherwise, 2 on a usage error.

With --commands, prints instead the command line of every container of
the Jobs, one a line: "COMPONENT CONTAINER WORKDIR JSON-ARGV" (WORKDIR "-"
when there is none; a `sh -c` command stays as it is), for a test to run
them outside a cluster.
"""

import glob
import json
import os
import re
import shlex
import sys

import yaml

errors = []
prefix = ""


def error(msg):
    errors.append(msg)
    print(prefix + "error: " + msg)


def note(msg):
    print(prefix + "checked: " + msg)


def argv_of(container):
    """The words of a container's command line (through sh -c when it is one)."""
    words = list(container.get("command") or []) + list(container.get("args") or [])
    if len(words) >= 3 and words[0] in ("sh", "/bin/sh", "bash") and words[1] == "-c":
        words = shlex.split(words[2])
    return words


def option(words, name):
    """The values of option NAME in words (--name VALUE or --name=VALUE)."""
    out = []
    for i, w in enumerate(words):
        if w == name and i + 1 < len(words):
            out.append(words[i + 1])
        elif w.startswith(name + "="):
            out.append(w[len(name) + 1:])
    return out


def pod_spec(job):
    return job["spec"]["template"]["spec"]


def containers(spec):
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def check(top):
    """Check the manifests of directory top; 0 if all is well, else 1."""
    docs = []
    comments = ""
    files = sorted(glob.glob(os.path.join(top, "*.yaml")))
    if not files:
        error("no *.yaml in " + top)
        return 1
    for f in files:
        text = open(f, encoding="utf-8").read()
        comments += "".join(l for l in text.splitlines(True) if l.lstrip().startswith("#"))
        try:
            for d in yaml.safe_load_all(text):
                if d is None:
                    continue
                for k in ("apiVersion", "kind", "metadata"):
                    if k not in d:
                        error("%s: a document without %s" % (f, k))
                docs.append((os.path.basename(f), d))
        except yaml.YAMLError as e:
            error("%s: not YAML: %s" % (f, e))
    if errors:
        return 1
    note("%d documents in %d files parse: %s" % (len(docs), len(files), ", ".join(
        "%s %s/%s" % (f, d["kind"], d["metadata"].get("name")) for f, d in docs)))

    def of_kind(kind):
        return [d for _, d in docs if d["kind"] == kind]

    services = of_kind("Service")
    jobs = of_kind("Job")
    pvcs = of_kind("PersistentVolumeClaim")
    if len(services) != 1 or len(pvcs) != 1:
        error("want one Service and one PersistentVolumeClaim, have %d and %d" % (len(services), len(pvcs)))
        return 1
    svc, pvc = services[0], pvcs[0]

    def role(job):
        return job["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/component")

    coords = [j for j in jobs if role(j) == "coordinator"]
    workers = [j for j in jobs if role(j) == "worker"]
    if len(coords) != 1 or len(workers) != 1:
        error("want one coordinator Job and one worker Job, have %d and %d" % (len(coords), len(workers)))
        return 1
    coord, work = coords[0], workers[0]
    note("kinds: Service %s, PersistentVolumeClaim %s, Jobs %s and %s" % (
        svc["metadata"]["name"], pvc["metadata"]["name"], coord["metadata"]["name"],
        work["metadata"]["name"]))

    # The coordinator: one pod, never restarted (a coordinator started again
    # without --recover on a kept journal exits 2).
    cspec = pod_spec(coord)
    if cspec.get("restartPolicy") != "Never":
        error("the coordinator's restartPolicy is %r, want Never" % cspec.get("restartPolicy"))
    if coord["spec"].get("parallelism", 1) != 1 or coord["spec"].get("completions", 1) != 1:
        error("the coordinator Job runs more than one pod")
    ccont = [c for c in cspec["containers"] if "mrcoordinator" in argv_of(c)]
    if len(ccont) != 1:
        error("want one container running mrcoordinator, have %d" % len(ccont))
        return 1
    cargs = argv_of(ccont[0])
    listen = option(cargs, "--listen")
    if len(listen) != 1 or not re.fullmatch(r".*:\d+", listen[0]):
        error("mrcoordinator --listen %r: want one HOST:PORT" % listen)
        return 1
    lport = int(listen[0].rsplit(":", 1)[1])
    cports = [p["containerPort"] for p in ccont[0].get("ports", [])]
    if lport not in cports:
        error("--listen port %d is not a containerPort of the coordinator (%s)" % (lport, cports))
    sports = svc["spec"]["ports"]
    if len(sports) != 1:
        error("want one Service port, have %d" % len(sports))
        return 1
    target = sports[0].get("targetPort", sports[0]["port"])
    if isinstance(target, str):
        named = [p["containerPort"] for p in ccont[0].get("ports", []) if p.get("name") == target]
        target = named[0] if named else None
    if target != lport:
        error("the Service's targetPort %r is not the coordinator's port %d" % (target, lport))
    note("ports: --listen %s, containerPort %s, Service %s:%d -> %s" % (
        listen[0], cports, svc["metadata"]["name"], sports[0]["port"], target))

    # The Service selects the coordinator's pod and not the workers'.
    sel = svc["spec"]["selector"]
    clabels = coord["spec"]["template"]["metadata"]["labels"]
    wlabels = work["spec"]["template"]["metadata"]["labels"]
    if any(clabels.get(k) != v for k, v in sel.items()):
        error("the Service's selector %s does not select the coordinator's pod %s" % (sel, clabels))
    if all(wlabels.get(k) == v for k, v in sel.items()):
        error("the Service's selector %s selects the workers' pods too" % sel)
    note("selector %s: the coordinator's pod only" % sel)

    # The workers: a work queue of `parallelism` pods.
    wspec = pod_spec(work)
    par = work["spec"].get("parallelism")
    if not isinstance(par, int) or par < 1:
        error("the workers' parallelism is %r, want a number of pods" % par)
    if "completions" in work["spec"]:
        error("the workers' Job has completions: every worker exits 0 at the end, so leave it out")
    if wspec.get("restartPolicy") not in ("OnFailure", "Never"):
        error("the workers' restartPolicy is %r" % wspec.get("restartPolicy"))
    wconts = [c for c in wspec["containers"] if "mrworker" in argv_of(c)]
    if len(wconts) != 1:
        error("want one container running mrworker, have %d" % len(wconts))
        return 1
    want = "%s:%d" % (svc["metadata"]["name"], sports[0]["port"])
    for c in containers(wspec):
        for addr in option(argv_of(c), "--coordinator"):
            if addr != want:
                error("container %s: --coordinator %s, want the Service %s" % (c["name"], addr, want))
    if option(argv_of(wconts[0]), "--coordinator") != [want]:
        error("the worker has no --coordinator %s" % want)
    note("workers: parallelism %s, --coordinator %s" % (par, want))

    # The secret: every --secret-file is a key of the same Secret volume.
    secret_names = set()
    for job in (coord, work):
        spec = pod_spec(job)
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        for c in containers(spec):
            for path in option(argv_of(c), "--secret-file"):
                mounts = [m for m in c.get("volumeMounts", [])
                          if path.startswith(m["mountPath"].rstrip("/") + "/")]
                if len(mounts) != 1 or "secret" not in vols.get(mounts[0]["name"], {}):
                    error("container %s: --secret-file %s is not in a Secret volume" % (c["name"], path))
                    continue
                m = mounts[0]
                sec = vols[m["name"]]["secret"]
                key = path[len(m["mountPath"].rstrip("/")) + 1:]
                mode = sec.get("defaultMode")
                if mode not in (0o400, 0o600):
                    error("Secret volume %s: defaultMode %r, want 0400 or 0600" % (m["name"], mode))
                if not m.get("readOnly"):
                    error("container %s: the secret is not mounted readOnly" % c["name"])
                if "items" in sec and key not in [i["path"] for i in sec["items"]]:
                    error("Secret volume %s: no item %s" % (m["name"], key))
                secret_names.add((sec["secretName"], key))
    if len(secret_names) != 1:
        error("want one Secret and key for every --secret-file, have %s" % sorted(secret_names))
    else:
        name, key = secret_names.pop()
        if not re.search(r"kubectl create secret generic %s --from-file=%s=" % (
                re.escape(name), re.escape(key)), comments):
            error("no 'kubectl create secret generic %s --from-file=%s=...' in the comments" % (name, key))
        note("secret: Secret %s, key %s, in every --secret-file" % (name, key))

    # The job directory: the claim, mounted at every working directory.
    for job in (coord, work):
        spec = pod_spec(job)
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
                  for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
        for c in spec["containers"]:
            wd = c.get("workingDir")
            ms = [m for m in c.get("volumeMounts", []) if m["mountPath"] == wd]
            if not wd or len(ms) != 1 or claims.get(ms[0]["name"]) != pvc["metadata"]["name"]:
                error("container %s: its workingDir %r is not the claim %s" % (
                    c["name"], wd, pvc["metadata"]["name"]))
    if "ReadWriteMany" not in pvc["spec"].get("accessModes", []):
        error("the job volume is not ReadWriteMany")
    note("job directory: claim %s (ReadWriteMany) at every workingDir" % pvc["metadata"]["name"])

    # One image, the one the Dockerfile's build line makes.
    images = {c["image"] for job in (coord, work) for c in containers(pod_spec(job))}
    dockerfile = os.path.join(top, "Dockerfile")
    tags = re.findall(r"docker build .*-t (\S+)", open(dockerfile, encoding="utf-8").read())
    if len(images) != 1:
        error("containers use several images: %s" % sorted(images))
    elif tags and images != set(tags[:1]):
        error("the image %s is not the Dockerfile's (-t %s)" % (images.pop(), tags[0]))
    elif not tags:
        error("no 'docker build ... -t IMAGE' line in %s" % dockerfile)
    else:
        note("image: %s everywhere" % tags[0])
    return 1 if errors else 0


def commands(top):
    """Print every Job container's command line (see the module's text)."""
    for f in sorted(glob.glob(os.path.join(top, "*.yaml"))):
        for d in yaml.safe_load_all(open(f, encoding="utf-8")):
            if not d or d.get("kind") != "Job":
                continue
            labels = d["spec"]["template"]["metadata"].get("labels", {})
            role = labels.get("app.kubernetes.io/component", "-")
            for c in containers(pod_spec(d)):
                argv = list(c.get("command") or []) + list(c.get("args") or [])
                print(role, c["name"], c.get("workingDir", "-"), json.dumps(argv))
    return 0


def main():
    global errors, prefix
    if len(sys.argv) == 3 and sys.argv[1] == "--commands" and os.path.isdir(sys.argv[2]):
        return commands(sys.argv[2])
    dirs = sys.argv[1:]
    if not dirs or not all(os.path.isdir(d) for d in dirs):
        print("usage: kubecheck.py DIR...   (directories of the manifests)", file=sys.stderr)
        return 2
    rc = 0
    for d in dirs:
        errors = []
        prefix = d + ": " if len(dirs) > 1 else ""
        rc |= check(d)
    return rc


if __name__ == "__main__":
    sys.exit(main())
