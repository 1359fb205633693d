/*
 * remote.h - what a worker does differently on a TCP job (--coordinator):
 * its map output stays in its own local directory (--local-dir), served
 * to the other workers by its fetch service (worker/serve.h); a reduce
 * first fetches the runs it needs from the workers that hold them
 * (worker/fetch.h) into a directory of its own, then merges them as on a
 * Unix-socket job.
 *
 * The local directory is the worker's: a fresh one under $TMPDIR unless
 * --local-dir names one (created if missing, and again before every map,
 * should someone remove it under a live worker).  When the fetch service
 * ends (at the worker's exit, or when the coordinator is gone if the
 * worker crashed) it removes what the worker wrote there (the whole
 * directory when the worker made it).
 *
 * Errors: 0 / -1 after printing why, but for remote_fetch(), which leaves
 * a fetch failure for the report instead (see fetch.h).
 */
#ifndef MR_REMOTE_H
#define MR_REMOTE_H

#include "mr.h"
#include "net/secret.h"
#include "worker/fetch.h"
#include "worker/serve.h"

#include <stdint.h>

#define REMOTE_FETCH_TIMEOUT_MS 3000

struct remote {
	struct secret secret;
	char *dir;               /* malloc'd: the local directory */
	int made_dir;            /* we made it: remove it whole at exit */
	struct serve serve;
	int serving;
};

/*
 * Load the secret and make the directory.  0, -2 when the secret file is
 * not right (a usage error: exit 2), or -1; printed either way.
 */
int remote_open(struct remote *rm, const char *secret_file, const char *local_dir);

/*
 * Start the fetch service process (worker/serve.h) for the coordinator at
 * `coordinator`, advertised as `advertise` (NULL: this host's address
 * towards the coordinator), waiting up to `reconnect_ms` for a
 * coordinator that went away.  0 or -1.
 */
int remote_serve(struct remote *rm, const char *coordinator, const char *advertise,
		 int64_t reconnect_ms);

/*
 * The worker reached a coordinator again at `since_ms` (now_ms() time):
 * wait until its fetch service is registered with it too (a beat sent
 * since then was heard), since that coordinator takes the service to hold
 * the worker's map output.  Polls every REMOTE_AWAIT_POLL_MS until
 * `deadline_ms`.  0 when it is; 1 when it is not by the deadline (it is
 * still trying); -1 when the service has ended (it said why).
 */
#define REMOTE_AWAIT_POLL_MS 20
int remote_await_service(struct remote *rm, int64_t since_ms, int64_t deadline_ms);

/* The directory a map publishes its runs in, made again if it is gone. */
const char *remote_map_dir(struct remote *rm);

/*
 * Fetch what reduce `rt` needs: fills dirs[0 .. nmap) with where each
 * map's run is (our own local directory for a run our fetch service holds,
 * read in place; a fetch directory of this attempt for the others; NULL
 * for a run in the job directory) and *fetched with that fetch directory
 * (malloc'd, or NULL when nothing was fetched).  0, or -1 with *f set (f->kind
 * FETCH_FAIL_LOCAL: printed already).  Remove the fetched runs with
 * remote_forget() either way.
 */
int remote_fetch(struct remote *rm, const mr_reduce_task *rt, const char **dirs,
		 char **fetched, struct fetch_failure *f);

/* Remove a fetch directory and the runs in it; frees `fetched`. */
void remote_forget(char *fetched);

/* Stop serving and remove what the worker left in its local directory. */
void remote_close(struct remote *rm);

#endif
