/* service.c - see service.h. */
#include "coordinator/service.h"

#include "common/log.h"
#include "common/util.h"
#include "mr.h"

#include <rpc/rpc.h>
#include <rpc/rpc_com.h>
#include <string.h>

/* rpcgen -m output defines the dispatcher but declares it nowhere. */
void mr_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static struct job *the_job;
static int the_cleanup;

void service_init(struct job *job, int cleanup)
{
	the_job = job;
	the_cleanup = cleanup;
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

bool_t mr_ask_1_svc(mr_ask_args *args, mr_ask_reply *res, struct svc_req *req)
{
	struct assignment a;

	(void)req;
	memset(res, 0, sizeof(*res));
	if (!the_job) {
		res->task.kind = MR_TASK_EXIT;
		return TRUE;
	}
	job_assign(the_job, now_ms(), args->worker_pid, &a);
	res->attempt = a.attempt;
	switch (a.kind) {
	case ASSIGN_MAP:
		res->task.kind = MR_TASK_MAP;
		/* Borrowed: freeresult does not free it. */
		res->task.mr_assignment_u.map.file = (char *)a.file;
		res->task.mr_assignment_u.map.map_id = a.id;
		res->task.mr_assignment_u.map.nreduce = a.nreduce;
		res->task.mr_assignment_u.map.offset = a.offset;
		res->task.mr_assignment_u.map.length = a.length;
		break;
	case ASSIGN_REDUCE:
		res->task.kind = MR_TASK_REDUCE;
		res->task.mr_assignment_u.reduce.reduce_id = a.id;
		res->task.mr_assignment_u.reduce.nmap = a.nmap;
		break;
	case ASSIGN_WAIT:
		res->task.kind = MR_TASK_WAIT;
		res->wait_ms = a.wait_ms;
		break;
	case ASSIGN_EXIT:
		res->task.kind = MR_TASK_EXIT;
		break;
	}
	return TRUE;
}

bool_t mr_report_1_svc(mr_report_args *args, mr_report_reply *res, struct svc_req *req)
{
	enum task_kind kind;

	(void)req;
	memset(res, 0, sizeof(*res));
	res->status = MR_REPORT_IGNORED;
	if (!the_job)
		return TRUE;
	if (args->kind == MR_TASK_MAP)
		kind = KIND_MAP;
	else if (args->kind == MR_TASK_REDUCE)
		kind = KIND_REDUCE;
	else {
		the_job->ignored_reports++;
		debug("ignored report with task kind %d", (int)args->kind);
		return TRUE;
	}
	if (job_report(the_job, kind, args->task_id, args->attempt, args->ok,
		       args->errmsg, now_ms()) == REPORT_ACCEPTED) {
		res->status = MR_REPORT_ACCEPTED;
		/* The reduce's output is final: its inputs are not needed again. */
		res->remove_inputs = the_cleanup && kind == KIND_REDUCE && args->ok;
	}
	return TRUE;
}

int mr_prog_1_freeresult(SVCXPRT *xprt, xdrproc_t xdr_result, caddr_t result)
{
	/* Results only borrow from the job; nothing to free. */
	(void)xprt;
	(void)xdr_result;
	(void)result;
	return 1;
}
