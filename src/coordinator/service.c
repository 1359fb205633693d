/* service.c - see service.h. */
#include "coordinator/service.h"

#include "coordinator/jlog.h"
#include "common/log.h"
#include "common/jobdir.h"
#include "common/params.h"
#include "common/util.h"
#include "mr.h"
#include "net/rpcmsg.h"
#include "net/usock.h"

#include <rpc/rpc.h>
#include <rpc/rpc_com.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* rpcgen -m output defines the dispatcher but declares it nowhere. */
void mr_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

/*
 * What service_init() was given.  File scope because nothing else can
 * reach the procedures: rpcgen's dispatcher calls mr_*_1_svc(args, result,
 * request) with no pointer of ours, and svc_register() takes none to hand
 * back.  One job per process, served from one thread.
 */
static struct {
	struct job *job;
	struct jlog *jlog;
	int cleanup;
	int64_t start_ms;
	mr_job_param *params;         /* the job's --param, as every ASK reply carries them */
	u_int nparams;
} served;

/* The task table's hook: a finished map runs again. */
static void journal_rerun(void *arg, int map, enum lost_reason why)
{
	jlog_rerun(arg, map, (int)why);
}

void service_init(struct job *job, struct jlog *jlog, int cleanup)
{
	served.job = job;
	served.jlog = jlog;
	served.cleanup = cleanup;
	served.start_ms = now_ms();
	free(served.params);
	served.params = NULL;
	served.nparams = 0;
	if (job && job->cfg.params && job->cfg.params->n) {
		const struct params *ps = job->cfg.params;

		/* Borrowing the job's strings: they outlive the service. */
		served.params = xcalloc(ps->n, sizeof(*served.params));
		for (size_t i = 0; i < ps->n; i++) {
			served.params[i].key = ps->v[i].key;
			served.params[i].value.value_len = (u_int)ps->v[i].vlen;
			served.params[i].value.value_val = ps->v[i].value;
		}
		served.nparams = (u_int)ps->n;
	}
	if (job && jlog) {
		job->on_rerun = journal_rerun;
		job->on_rerun_arg = jlog;
	}
}

int service_commit(void)
{
	struct jlog *l = served.jlog;

	if (!l)
		return 0;
	if (jlog_reap(l) < 0 || jlog_kick(l, now_ms()) < 0) {
		if (served.job && !job_finished(served.job)) {
			error("stopping the job: its journal %s cannot be written", l->path);
			job_abort(served.job);
		}
		return -1;
	}
	return 0;
}

int service_sync_fd(void)
{
	return served.jlog ? jlog_poll_fd(served.jlog) : -1;
}

int service_timeout(int64_t now, int timeout)
{
	return served.jlog ? jlog_timeout(served.jlog, now, timeout) : timeout;
}

int service_register(int fd, unsigned max_record)
{
	int maxrec = (int)max_record;
	SVCXPRT *xprt;

	if (!rpc_control(RPC_SVC_CONNMAXREC_SET, &maxrec))
		return error("cannot limit RPC record size to %u bytes", max_record);
	xprt = svc_vc_create(fd, 0, 0);
	if (!xprt)
		return error("cannot create RPC transport on the coordinator socket");
	/* Protocol 0: register with the dispatcher only, never with rpcbind. */
	if (!svc_register(xprt, MR_PROG, MR_VERS, mr_prog_1, 0))
		return error("cannot register the MapReduce RPC program");
	return 0;
}

/*
 * Where a reduce finds each map's run on a TCP job: the distinct holders'
 * addresses (borrowed from the task table) and, per map, an index into
 * them, or -1 for a run in the job directory (a map done by a worker on
 * the Unix socket).  Both arrays empty when every run is in the job
 * directory.  The arrays are malloc'd; freeresult frees them.
 */
static void fill_locations(const struct job *job, mr_reduce_task *rt)
{
	uint64_t *ids = xcalloc((size_t)job->nmap, sizeof(*ids));
	u_int nhosts = 0;
	int any = 0;

	rt->map_host.map_host_val = xcalloc((size_t)job->nmap, sizeof(int));
	rt->hosts.hosts_val = xcalloc((size_t)job->nmap, sizeof(mr_addr));
	for (int m = 0; m < job->nmap; m++) {
		uint64_t h = job_map_holder(job, m);
		u_int k;

		rt->map_host.map_host_val[m] = -1;
		if (!h || !job_worker_addr(job, h))
			continue;
		any = 1;
		for (k = 0; k < nhosts && ids[k] != h; k++)
			;
		if (k == nhosts) {
			ids[nhosts] = h;
			rt->hosts.hosts_val[nhosts++] = (char *)job_worker_addr(job, h);
		}
		rt->map_host.map_host_val[m] = (int)k;
	}
	free(ids);
	rt->hosts.hosts_len = nhosts;
	rt->map_host.map_host_len = any ? (u_int)job->nmap : 0;
}

/* ASK from `worker` (a TCP connection's id, or 0 on the Unix socket). */
static void serve_ask(mr_ask_args *args, mr_ask_reply *res, uint64_t worker)
{
	struct assignment a;

	memset(res, 0, sizeof(*res));
	/* Borrowed, like the other strings of a reply. */
	res->output_dir = served.job && served.job->cfg.output_dir
			  ? (char *)served.job->cfg.output_dir : "";
	if (!served.job) {
		res->task.kind = MR_TASK_EXIT;
		return;
	}
	/*
	 * A TCP worker's tasks belong to its fetch service, which holds their
	 * output and whose loss is the host's (HEARTBEAT registers it); the
	 * asking process itself may crash and come back.
	 */
	if (worker && args->fetch_addr && *args->fetch_addr) {
		uint64_t server = job_worker_at(served.job, args->fetch_addr);

		if (!server)
			job_worker_seen(served.job, worker, args->fetch_addr);
		worker = server ? server : worker;
	}
	job_assign_worker(served.job, now_ms(), args->worker_pid, worker, &a);
	res->job_id = served.job->job_id;
	res->attempt = a.attempt;
	res->synced = served.jlog ? jlog_synced(served.jlog) : 0;
	if (a.kind == ASSIGN_MAP || a.kind == ASSIGN_REDUCE) {
		/* Borrowed: freeresult does not free them. */
		res->params.params_len = served.nparams;
		res->params.params_val = served.params;
	}
	switch (a.kind) {
	case ASSIGN_MAP:
		res->task.kind = MR_TASK_MAP;
		/* Borrowed: freeresult does not free it. */
		res->task.mr_assignment_u.map.file = (char *)a.file;
		res->task.mr_assignment_u.map.map_id = a.id;
		res->task.mr_assignment_u.map.nreduce = a.nreduce;
		res->task.mr_assignment_u.map.offset = a.offset;
		res->task.mr_assignment_u.map.length = a.length;
		res->task.mr_assignment_u.map.by_record = a.by_record;
		/* Borrowed from the task table too. */
		res->task.mr_assignment_u.map.skip.skip_len = (u_int)a.nskip;
		res->task.mr_assignment_u.map.skip.skip_val = (int64_t *)a.skip;
		break;
	case ASSIGN_REDUCE:
		res->task.kind = MR_TASK_REDUCE;
		res->task.mr_assignment_u.reduce.reduce_id = a.id;
		res->task.mr_assignment_u.reduce.nmap = a.nmap;
		if (served.job->nworkers)
			fill_locations(served.job, &res->task.mr_assignment_u.reduce);
		break;
	case ASSIGN_WAIT:
		res->task.kind = MR_TASK_WAIT;
		res->wait_ms = a.wait_ms;
		break;
	case ASSIGN_EXIT:
		res->task.kind = MR_TASK_EXIT;
		break;
	}
}

/*
 * Serve only peers of our own user: anyone may connect to a socket in a
 * shared directory if its mode allows, and root always can.  A stranger's
 * call is refused (an RPC authentication error, no reply of ours), logged
 * once per connection with both uids, and its connection shut down.
 */
static int peer_allowed(struct svc_req *req)
{
	int fd = req->rq_xprt->xp_fd;
	uid_t peer, me = geteuid();

	if (usock_peer_uid(fd, &peer) == 0 && peer == me)
		return 1;
	if (usock_peer_uid(fd, &peer) == 0)
		warning("refusing a peer of uid %ld on the socket: this coordinator serves "
			"only its own user (uid %ld)", (long)peer, (long)me);
	else
		warning("refusing a peer on the socket whose user cannot be told: %s",
			strerror(errno));
	svcerr_weakauth(req->rq_xprt);
	shutdown(fd, SHUT_RDWR);
	return 0;
}

bool_t mr_ask_1_svc(mr_ask_args *args, mr_ask_reply *res, struct svc_req *req)
{
	memset(res, 0, sizeof(*res));
	if (!peer_allowed(req))
		return FALSE;
	serve_ask(args, res, 0);
	return TRUE;
}

/* The task kind a report names: 1 and *kind, or 0 for anything else. */
static int task_kind_of(mr_task_kind k, enum task_kind *kind)
{
	if (k == MR_TASK_MAP)
		*kind = KIND_MAP;
	else if (k == MR_TASK_REDUCE)
		*kind = KIND_REDUCE;
	else
		return 0;
	return 1;
}

/* Whose fault a failure was; MR_FAIL_NONE (or anything else) means the worker did not say. */
static enum attempt_fault fault_of(mr_failure f)
{
	switch (f) {
	case MR_FAIL_PLUGIN:
		return FAULT_PLUGIN;
	case MR_FAIL_ENGINE:
		return FAULT_ENGINE;
	default:
		return FAULT_UNKNOWN;
	}
}

/* What a reduce's fetch failure says of the map's output. */
static enum lost_reason fetch_of(mr_fetch_fail f)
{
	switch (f) {
	case MR_FETCH_NONE:
		return LOST_NONE;
	case MR_FETCH_MISSING:
		return LOST_MISSING;
	case MR_FETCH_CORRUPT:
		return LOST_CORRUPT;
	default:
		return LOST_UNREACHABLE;
	}
}

/*
 * A report of an attempt from before a restart (a worker that kept it, or
 * resent it while it was not durable) says the task's output exists; it
 * may have been lost since (the reason the task runs again).  Check what
 * is there: a reduce's mr-out-R (in --output DIR, or the job directory),
 * and on the Unix socket a map's runs for every reduce not done (a TCP
 * map's runs are its fetch service's, checked by HOLDS).  1 when it is all
 * there.
 */
static int output_there(const struct job *job, enum task_kind kind, int id, int tcp)
{
	char name[JOBDIR_NAME_MAX], path[JOBDIR_PATH_MAX];
	struct stat st;

	if (kind == KIND_REDUCE)
		return id >= 0 && id < job->nreduce &&
		       stat(jobdir_output_path(path, job->cfg.output_dir, id), &st) == 0;
	if (tcp || id < 0 || id >= job->nmap)
		return 1;
	for (int r = 0; r < job->nreduce; r++)
		if (job->tasks[job->nmap + r].state != TASK_DONE &&
		    stat(jobdir_map_run(name, id, r), &st) < 0)
			return 0;
	return 1;
}

/* REPORT from `worker` (a TCP connection's id, or 0 on the Unix socket). */
static void serve_report(mr_report_args *args, mr_report_reply *res, uint64_t worker)
{
	u_int n = args->counters.counters_len;
	struct job_counter *c = n ? xcalloc(n, sizeof(*c)) : NULL;
	struct report_in r = {
		.id = args->task_id,
		.attempt = args->attempt,
		.ok = args->ok,
		.errmsg = args->errmsg,
		.fault = fault_of(args->failure),
		.bad_record = args->bad_record,
		.counters = c,
		.ncounters = n,
		.worker = worker,
		.fetch = fetch_of(args->fetch_fail),
		.fetch_map = args->fetch_map,
	};

	memset(res, 0, sizeof(*res));
	res->status = MR_REPORT_IGNORED;
	if (!served.job)
		goto out;
	/* A TCP map's output is held by the reporter's fetch service (as for ASK). */
	if (worker && args->fetch_addr && *args->fetch_addr) {
		uint64_t server = job_worker_at(served.job, args->fetch_addr);

		if (server)
			r.worker = server;
	}
	if (!task_kind_of(args->kind, &r.kind)) {
		served.job->ignored_reports++;
		debug("ignored report with task kind %d", (int)args->kind);
		goto out;
	}
	/* Counter names are borrowed from the request; job_report copies them. */
	for (u_int i = 0; i < n; i++) {
		c[i].name = args->counters.counters_val[i].name;
		c[i].value = args->counters.counters_val[i].value;
	}
	if (r.ok && job_attempt_earlier(served.job, r.attempt) &&
	    !output_there(served.job, r.kind, r.id, worker != 0)) {
		served.job->ignored_reports++;
		info("ignoring the report of %s task %d attempt %llu from before the restart: "
		     "its output is gone", r.kind == KIND_MAP ? "map" : "reduce", r.id,
		     (unsigned long long)r.attempt);
		goto out;
	}
	if (job_report(served.job, &r, now_ms()) == REPORT_ACCEPTED) {
		if (r.ok && served.jlog)
			jlog_done(served.jlog, served.job,
				  r.kind == KIND_MAP ? (uint32_t)r.id
						     : (uint32_t)(served.job->nmap + r.id),
				  r.attempt);
		res->status = MR_REPORT_ACCEPTED;
		/* The reduce's output is final: its inputs are not needed again. */
		res->remove_inputs = served.cleanup && r.kind == KIND_REDUCE && r.ok;
		/* Journaled in the background: durable with that generation (jlog.h). */
		res->durable_at = r.ok && served.jlog ? jlog_durable_at(served.jlog) : 0;
	}
out:
	res->synced = served.jlog ? jlog_synced(served.jlog) : 0;
	free(c);
}

bool_t mr_report_1_svc(mr_report_args *args, mr_report_reply *res, struct svc_req *req)
{
	memset(res, 0, sizeof(*res));
	if (!peer_allowed(req))
		return FALSE;
	serve_report(args, res, 0);
	return TRUE;
}

bool_t mr_heartbeat_1_svc(mr_addr *args, int *res, struct svc_req *req)
{
	(void)args; /* fetch services are TCP only */
	*res = 0;
	return peer_allowed(req);
}

/* HOLDS from fetch service `conn`: the maps it was credited with and lost run again. */
static void serve_holds(const mr_holds_args *h, uint64_t conn)
{
	int n;

	if (!served.job || !conn)
		return;
	n = job_worker_holds(served.job, conn, h->from, h->to, h->maps.maps_val,
			     h->maps.maps_len);
	if (n)
		info("the worker serving at %s no longer holds %d finished map%s; running "
		     "them again", h->addr, n, n == 1 ? "" : "s");
}

bool_t mr_holds_1_svc(mr_holds_args *args, int *res, struct svc_req *req)
{
	(void)args; /* fetch services are TCP only */
	*res = 0;
	return peer_allowed(req);
}

/* proto/mr.x has no constants for mr_status_reply.phase, only this numbering. */
_Static_assert(PHASE_MAP == 0 && PHASE_REDUCE == 1 && PHASE_DONE == 2 && PHASE_FAILED == 3,
	       "mr_status_reply.phase is 0 map, 1 reduce, 2 done, 3 failed (proto/mr.x)");

static void serve_status(mr_status_reply *res);

bool_t mr_status_1_svc(void *args, mr_status_reply *res, struct svc_req *req)
{
	(void)args;
	memset(res, 0, sizeof(*res));
	if (!peer_allowed(req))
		return FALSE;
	serve_status(res);
	return TRUE;
}

static void serve_status(mr_status_reply *res)
{
	struct job_status st;
	struct job_counter totals[MR_MAX_COUNTERS];
	struct running_attempt *run;
	int64_t now = now_ms();
	size_t nrun, nc;

	memset(res, 0, sizeof(*res));
	if (!served.job) {
		res->phase = PHASE_DONE;
		return;
	}
	job_status(served.job, now - served.start_ms, &st);
	res->phase = (int)served.job->phase;
	res->nmap = served.job->nmap;
	res->nreduce = served.job->nreduce;
	res->maps_idle = st.idle[KIND_MAP];
	res->maps_running = st.running[KIND_MAP];
	res->maps_done = st.done[KIND_MAP];
	res->reduces_idle = st.idle[KIND_REDUCE];
	res->reduces_running = st.running[KIND_REDUCE];
	res->reduces_done = st.done[KIND_REDUCE];
	res->maps_failed = st.failed[KIND_MAP];
	res->reduces_failed = st.failed[KIND_REDUCE];
	res->failed_reports = served.job->failed_reports;
	res->reissued = served.job->reissued;
	res->backups = served.job->backups;
	res->elapsed_ms = now - served.start_ms;
	res->eta_ms = st.eta_ms;

	/* Running attempts: primaries and backups, at most MR_MAX_STATUS_TASKS. */
	run = xcalloc(MR_MAX_STATUS_TASKS, sizeof(*run));
	nrun = job_running(served.job, now, run, MR_MAX_STATUS_TASKS);
	res->running.running_val = xcalloc(nrun ? nrun : 1, sizeof(mr_running_task));
	for (size_t i = 0; i < nrun; i++) {
		mr_running_task *r = &res->running.running_val[i];

		r->kind = run[i].kind == KIND_MAP ? MR_TASK_MAP : MR_TASK_REDUCE;
		r->id = run[i].id;
		r->attempt = run[i].attempt;
		r->worker_pid = run[i].worker_pid;
		r->elapsed_ms = run[i].elapsed_ms;
		r->backup = run[i].backup;
	}
	res->running.running_len = (u_int)nrun;
	free(run);

	/* Counter totals; names borrowed from the task table. */
	nc = job_counter_totals(served.job, totals, MR_MAX_COUNTERS);
	res->counters.counters_val = xcalloc(nc ? nc : 1, sizeof(mr_counter));
	for (size_t k = 0; k < nc; k++) {
		res->counters.counters_val[k].name = totals[k].name;
		res->counters.counters_val[k].value = totals[k].value;
	}
	res->counters.counters_len = (u_int)nc;
}

int mr_prog_1_freeresult(SVCXPRT *xprt, xdrproc_t xdr_result, caddr_t result)
{
	(void)xprt;
	/*
	 * Results only borrow strings from the job; a status reply owns its
	 * two arrays and nothing else, a reduce assignment its two arrays.
	 */
	if (xdr_result == (xdrproc_t)xdr_mr_ask_reply) {
		mr_ask_reply *res = (mr_ask_reply *)result;

		if (res->task.kind == MR_TASK_REDUCE) {
			free(res->task.mr_assignment_u.reduce.hosts.hosts_val);
			free(res->task.mr_assignment_u.reduce.map_host.map_host_val);
			res->task.mr_assignment_u.reduce.hosts.hosts_val = NULL;
			res->task.mr_assignment_u.reduce.map_host.map_host_val = NULL;
		}
	} else if (xdr_result == (xdrproc_t)xdr_mr_status_reply) {
		mr_status_reply *res = (mr_status_reply *)result;

		free(res->running.running_val);
		free(res->counters.counters_val);
		res->running.running_val = NULL;
		res->counters.counters_val = NULL;
	}
	return 1;
}

/* Encode `res` as a reply payload, free what it owns.  0 or -1. */
static int reply(xdrproc_t x, void *res, size_t room, unsigned char **out, size_t *len)
{
	int rc = rpcmsg_encode(RPCMSG_OK, x, res, room, out, len);

	mr_prog_1_freeresult(NULL, x, res);
	return rc;
}

int service_call(uint64_t conn, uint32_t proc, const unsigned char *body, size_t blen,
		 size_t room, unsigned char **out, size_t *len)
{
	union {
		mr_ask_args ask;
		mr_report_args report;
		mr_addr addr;
		mr_holds_args holds;
	} args;
	union {
		mr_ask_reply ask;
		mr_report_reply report;
		mr_status_reply status;
		int heartbeat;
	} res;
	int rc = -1;

	switch (proc) {
	case MR_ASK:
		if (rpcmsg_decode(body, blen, (xdrproc_t)xdr_mr_ask_args, &args.ask,
				  sizeof(args.ask)) == 0) {
			serve_ask(&args.ask, &res.ask, conn);
			rc = reply((xdrproc_t)xdr_mr_ask_reply, &res.ask, room, out, len);
		}
		xdr_free((xdrproc_t)xdr_mr_ask_args, (char *)&args.ask);
		return rc;
	case MR_REPORT:
		if (rpcmsg_decode(body, blen, (xdrproc_t)xdr_mr_report_args, &args.report,
				  sizeof(args.report)) == 0) {
			serve_report(&args.report, &res.report, conn);
			rc = reply((xdrproc_t)xdr_mr_report_reply, &res.report, room, out, len);
		}
		xdr_free((xdrproc_t)xdr_mr_report_args, (char *)&args.report);
		return rc;
	case MR_STATUS:
		serve_status(&res.status);
		return reply((xdrproc_t)xdr_mr_status_reply, &res.status, room, out, len);
	case MR_HEARTBEAT:
		if (rpcmsg_decode(body, blen, (xdrproc_t)xdr_mr_addr, &args.addr,
				  sizeof(args.addr)) == 0) {
			/* A fetch service: it holds map output while it beats. */
			int server = *args.addr != '\0';

			if (served.job && server)
				job_worker_seen(served.job, conn, args.addr);
			res.heartbeat = 0;
			rc = reply((xdrproc_t)xdr_int, &res.heartbeat, room, out, len) < 0 ? -1
			     : server;
		}
		xdr_free((xdrproc_t)xdr_mr_addr, (char *)&args.addr);
		return rc;
	case MR_HOLDS:
		if (rpcmsg_decode(body, blen, (xdrproc_t)xdr_mr_holds_args, &args.holds,
				  sizeof(args.holds)) == 0) {
			serve_holds(&args.holds, conn);
			res.heartbeat = 0;
			rc = reply((xdrproc_t)xdr_int, &res.heartbeat, room, out, len) < 0 ? -1 : 1;
		}
		xdr_free((xdrproc_t)xdr_mr_holds_args, (char *)&args.holds);
		return rc;
	default:
		return -1;
	}
}

void service_lost(uint64_t conn)
{
	if (served.job && job_worker_lost(served.job, conn, now_ms()))
		info("re-running the map output worker %llu held", (unsigned long long)conn);
}
