/*
 * fuzz_xdr.c - libFuzzer target: decoding the messages of proto/mr.x.
 *
 * The first input byte (modulo 6) picks what the rest is decoded as:
 *   0  an RPC call, as the coordinator's transport meets it: the call
 *      header (xdr_callmsg, credential and verifier bodies in a caller's
 *      buffer as the svc code provides), the AUTH_SYS credentials when the
 *      header carries them, then - for our program and version - the
 *      arguments of the procedure it names
 *   1  mr_ask_args       2  mr_report_args     (what the coordinator decodes)
 *   3  mr_ask_reply      4  mr_report_reply    (what a worker decodes)
 *   5  mr_assignment
 *   6  mr_status_reply (what mrctl status decodes)
 *
 * Whatever was decoded is xdr_free()d, success or not, so ASan/LSan see
 * leaks and bad frees of half-decoded values.  A value that decodes must
 * also survive a round trip: it encodes again (into no more bytes than it
 * came from), decodes from that encoding to identical fields, and encodes
 * the second time to the same bytes.  Strings must respect their bounds.
 */
#include "mr.h"
#include "fuzz.h"

#include <rpc/rpc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

union mr_msg {
	mr_ask_args ask_args;
	mr_report_args report_args;
	mr_ask_reply ask_reply;
	mr_report_reply report_reply;
	mr_assignment assignment;
	mr_status_reply status_reply;
};

struct mr_type {
	xdrproc_t xdr;
	/* The invariants of a decoded value. */
	void (*check)(const union mr_msg *m);
	/* Whether two decoded values have identical fields. */
	int (*same)(const union mr_msg *a, const union mr_msg *b);
};

static int same_str(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void check_assignment(const mr_assignment *a)
{
	CHECK(a->kind == MR_TASK_MAP || a->kind == MR_TASK_REDUCE ||
	      a->kind == MR_TASK_WAIT || a->kind == MR_TASK_EXIT);
	if (a->kind == MR_TASK_MAP) {
		CHECK(a->mr_assignment_u.map.file != NULL);
		CHECK(strlen(a->mr_assignment_u.map.file) <= MR_MAX_PATH);
	}
}

static int same_assignment(const mr_assignment *a, const mr_assignment *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case MR_TASK_MAP: {
		const mr_map_task *x = &a->mr_assignment_u.map;
		const mr_map_task *y = &b->mr_assignment_u.map;

		return same_str(x->file, y->file) && x->map_id == y->map_id &&
		       x->nreduce == y->nreduce && x->offset == y->offset &&
		       x->length == y->length;
	}
	case MR_TASK_REDUCE:
		return a->mr_assignment_u.reduce.reduce_id ==
			       b->mr_assignment_u.reduce.reduce_id &&
		       a->mr_assignment_u.reduce.nmap == b->mr_assignment_u.reduce.nmap;
	default:
		return 1;
	}
}

static void check_none(const union mr_msg *m)
{
	(void)m;
}

static int same_ask_args(const union mr_msg *a, const union mr_msg *b)
{
	return a->ask_args.worker_pid == b->ask_args.worker_pid;
}

static void check_report_args(const union mr_msg *m)
{
	/* The coordinator hands errmsg to the task table as a C string. */
	CHECK(m->report_args.errmsg != NULL);
	CHECK(strlen(m->report_args.errmsg) <= MR_MAX_ERRMSG);
	CHECK(m->report_args.ok == TRUE || m->report_args.ok == FALSE);
	/* The coordinator copies counter names as C strings too. */
	CHECK(m->report_args.counters.counters_len <= MR_MAX_COUNTERS);
	for (u_int i = 0; i < m->report_args.counters.counters_len; i++) {
		CHECK(m->report_args.counters.counters_val[i].name != NULL);
		CHECK(strlen(m->report_args.counters.counters_val[i].name) <=
		      MR_MAX_COUNTER_NAME);
	}
}

static int same_counters(const mr_counter *a, u_int na, const mr_counter *b, u_int nb)
{
	if (na != nb)
		return 0;
	for (u_int i = 0; i < na; i++)
		if (a[i].value != b[i].value || strcmp(a[i].name, b[i].name) != 0)
			return 0;
	return 1;
}

static int same_report_args(const union mr_msg *a, const union mr_msg *b)
{
	const mr_report_args *x = &a->report_args, *y = &b->report_args;

	return x->kind == y->kind && x->task_id == y->task_id &&
	       x->attempt == y->attempt && x->ok == y->ok &&
	       x->worker_pid == y->worker_pid && same_str(x->errmsg, y->errmsg) &&
	       same_counters(x->counters.counters_val, x->counters.counters_len,
			     y->counters.counters_val, y->counters.counters_len);
}

static void check_ask_reply(const union mr_msg *m)
{
	check_assignment(&m->ask_reply.task);
	/* The worker joins it to file names as a C string. */
	CHECK(m->ask_reply.output_dir != NULL);
	CHECK(strlen(m->ask_reply.output_dir) <= MR_MAX_PATH);
}

static int same_ask_reply(const union mr_msg *a, const union mr_msg *b)
{
	return a->ask_reply.attempt == b->ask_reply.attempt &&
	       a->ask_reply.wait_ms == b->ask_reply.wait_ms &&
	       same_str(a->ask_reply.output_dir, b->ask_reply.output_dir) &&
	       same_assignment(&a->ask_reply.task, &b->ask_reply.task);
}

static int same_report_reply(const union mr_msg *a, const union mr_msg *b)
{
	return a->report_reply.status == b->report_reply.status &&
	       a->report_reply.remove_inputs == b->report_reply.remove_inputs;
}

/* What mrctl status relies on: bounded lists, C-string counter names. */
static void check_status_reply(const union mr_msg *m)
{
	const mr_status_reply *r = &m->status_reply;

	CHECK(r->running.running_len <= MR_MAX_STATUS_TASKS);
	CHECK(r->counters.counters_len <= MR_MAX_COUNTERS);
	for (u_int i = 0; i < r->counters.counters_len; i++)
		CHECK(r->counters.counters_val[i].name != NULL &&
		      strlen(r->counters.counters_val[i].name) <= MR_MAX_COUNTER_NAME);
}

static int same_status_reply(const union mr_msg *a, const union mr_msg *b)
{
	const mr_status_reply *x = &a->status_reply, *y = &b->status_reply;

	if (x->phase != y->phase || x->nmap != y->nmap || x->nreduce != y->nreduce ||
	    x->maps_done != y->maps_done || x->reduces_done != y->reduces_done ||
	    x->elapsed_ms != y->elapsed_ms || x->eta_ms != y->eta_ms ||
	    x->running.running_len != y->running.running_len)
		return 0;
	for (u_int i = 0; i < x->running.running_len; i++) {
		const mr_running_task *p = &x->running.running_val[i];
		const mr_running_task *q = &y->running.running_val[i];

		if (p->kind != q->kind || p->id != q->id || p->attempt != q->attempt ||
		    p->worker_pid != q->worker_pid || p->elapsed_ms != q->elapsed_ms ||
		    p->backup != q->backup)
			return 0;
	}
	return same_counters(x->counters.counters_val, x->counters.counters_len,
			     y->counters.counters_val, y->counters.counters_len);
}

static void check_assignment_msg(const union mr_msg *m)
{
	check_assignment(&m->assignment);
}

static int same_assignment_msg(const union mr_msg *a, const union mr_msg *b)
{
	return same_assignment(&a->assignment, &b->assignment);
}

static const struct mr_type ask_args_type = {
	(xdrproc_t)xdr_mr_ask_args, check_none, same_ask_args
};
static const struct mr_type report_args_type = {
	(xdrproc_t)xdr_mr_report_args, check_report_args,
	same_report_args
};
static const struct mr_type ask_reply_type = {
	(xdrproc_t)xdr_mr_ask_reply, check_ask_reply, same_ask_reply
};
static const struct mr_type report_reply_type = {
	(xdrproc_t)xdr_mr_report_reply, check_none,
	same_report_reply
};
static const struct mr_type assignment_type = {
	(xdrproc_t)xdr_mr_assignment, check_assignment_msg,
	same_assignment_msg
};
static const struct mr_type status_reply_type = {
	(xdrproc_t)xdr_mr_status_reply, check_status_reply, same_status_reply
};

/* Encode `m` into a malloc'd buffer of `cap` bytes; its length in *len. */
static char *encode(const struct mr_type *t, union mr_msg *m, size_t cap, u_int *len)
{
	char *buf = malloc(cap ? cap : 1);
	XDR x;

	CHECK(buf != NULL);
	xdrmem_create(&x, buf, (u_int)cap, XDR_ENCODE);
	/* A decoded value never needs more bytes than it was decoded from. */
	CHECK(t->xdr(&x, m));
	*len = xdr_getpos(&x);
	xdr_destroy(&x);
	return buf;
}

/* `a` decoded from `used` bytes: re-encode, decode, compare. */
static void round_trip(const struct mr_type *t, union mr_msg *a, u_int used)
{
	union mr_msg b;
	char *enc1, *enc2;
	u_int len1, len2;
	XDR x;
	bool_t ok;

	enc1 = encode(t, a, used, &len1);
	CHECK(len1 <= used);
	memset(&b, 0, sizeof(b));
	xdrmem_create(&x, enc1, len1, XDR_DECODE);
	ok = t->xdr(&x, &b);
	if (ok) {
		/* The whole encoding, and nothing more, is the value. */
		CHECK(xdr_getpos(&x) == len1);
		t->check(&b);
		CHECK(t->same(a, &b));
	}
	xdr_destroy(&x);
	CHECK(ok);
	enc2 = encode(t, &b, len1, &len2);
	CHECK(len2 == len1);
	CHECK(memcmp(enc1, enc2, len1) == 0);
	xdr_free(t->xdr, (char *)&b);
	free(enc2);
	free(enc1);
}

/* Decode one `t` from buf[0..len), check it, free it. */
static void decode_msg(const struct mr_type *t, char *buf, size_t len)
{
	union mr_msg m;
	XDR x;

	memset(&m, 0, sizeof(m));
	xdrmem_create(&x, buf, (u_int)len, XDR_DECODE);
	if (t->xdr(&x, &m)) {
		u_int used = xdr_getpos(&x);

		CHECK(used <= len);
		t->check(&m);
		round_trip(t, &m, used);
	}
	xdr_destroy(&x);
	xdr_free(t->xdr, (char *)&m);
}

/*
 * What libtirpc's svc code does with a call: the header, with both
 * authenticator bodies decoded into one caller-provided area; AUTH_SYS
 * credentials decoded from the credential body; then the arguments.
 * (libtirpc parses AUTH_SYS with its own inline code; xdr_authunix_parms
 * is the same wire format.)
 */
static void decode_call(char *buf, size_t len)
{
	char area[2 * MAX_AUTH_BYTES];
	struct rpc_msg msg;
	u_int pos;
	XDR x;

	memset(&msg, 0, sizeof(msg));
	msg.rm_call.cb_cred.oa_base = area;
	msg.rm_call.cb_verf.oa_base = area + MAX_AUTH_BYTES;
	xdrmem_create(&x, buf, (u_int)len, XDR_DECODE);
	if (!xdr_callmsg(&x, &msg)) {
		xdr_destroy(&x);
		return;
	}
	pos = xdr_getpos(&x);
	xdr_destroy(&x);
	CHECK(pos <= len);
	CHECK(msg.rm_direction == CALL);
	CHECK(msg.rm_call.cb_cred.oa_base == area);
	CHECK(msg.rm_call.cb_verf.oa_base == area + MAX_AUTH_BYTES);
	CHECK(msg.rm_call.cb_cred.oa_length <= MAX_AUTH_BYTES);
	CHECK(msg.rm_call.cb_verf.oa_length <= MAX_AUTH_BYTES);

	if (msg.rm_call.cb_cred.oa_flavor == AUTH_SYS) {
		struct authunix_parms cred;
		XDR cx;

		memset(&cred, 0, sizeof(cred));
		xdrmem_create(&cx, area, msg.rm_call.cb_cred.oa_length, XDR_DECODE);
		(void)xdr_authunix_parms(&cx, &cred);
		xdr_destroy(&cx);
		xdr_free((xdrproc_t)xdr_authunix_parms, (char *)&cred);
	}

	if (msg.rm_call.cb_prog != MR_PROG || msg.rm_call.cb_vers != MR_VERS)
		return;
	switch (msg.rm_call.cb_proc) {
	case MR_ASK:
		decode_msg(&ask_args_type, buf + pos, len - pos);
		break;
	case MR_REPORT:
		decode_msg(&report_args_type, buf + pos, len - pos);
		break;
	default:
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t len;

	if (size < 1 || size - 1 > 1u << 20)
		return -1;      /* not worth keeping in the corpus */
	/*
	 * A private, exactly sized and suitably aligned copy: real receive
	 * buffers are aligned, and ASan then catches any read past the end.
	 */
	len = size - 1;
	buf = malloc(len ? len : 1);
	CHECK(buf != NULL);
	memcpy(buf, data + 1, len);
	switch (data[0] % 7) {
	case 0:
		decode_call(buf, len);
		break;
	case 1:
		decode_msg(&ask_args_type, buf, len);
		break;
	case 2:
		decode_msg(&report_args_type, buf, len);
		break;
	case 3:
		decode_msg(&ask_reply_type, buf, len);
		break;
	case 4:
		decode_msg(&report_reply_type, buf, len);
		break;
	case 5:
		decode_msg(&assignment_type, buf, len);
		break;
	case 6:
		decode_msg(&status_reply_type, buf, len);
		break;
	}
	free(buf);
	return 0;
}
