/*
 * gen_seeds.c - writes the seed corpora of the fuzz targets.
 *
 *   gen_seeds DIR     writes DIR/xdr/<name>, DIR/ifile/<name> and DIR/frame/<name>
 *
 * (`make fuzz-seeds` runs it over tests/fuzz/corpus.)  Each xdr seed is a
 * valid encoding of one message, prefixed by the byte fuzz_xdr.c uses to
 * pick its type; the ifile seeds are written by the engine's own run
 * writer (through runio_write()), so they follow whatever the format is;
 * the frame seeds are frames auth_seal() made with the fixed session of
 * fuzz_frame.h (and a real HELLO), prefixed by fuzz_frame.c's selector
 * byte.
 */
#include "common/log.h"
#include "fuzz_frame.h"
#include "net/auth.h"
#include "shuffle/kvbuf.h"
#include "mr.h"
#include "../unit/runio.h"

#include <errno.h>
#include <rpc/rpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The type selectors of fuzz_xdr.c. */
enum { SEL_CALL, SEL_ASK_ARGS, SEL_REPORT_ARGS, SEL_ASK_REPLY, SEL_REPORT_REPLY,
       SEL_ASSIGNMENT };

static const char *outdir;

static int write_file(const char *sub, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "wb");
	if (!f)
		return error_errno("cannot create %s", path);
	if ((len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		return error_errno("cannot write %s", path);
	return 0;
}

/*
 * One xdr seed being encoded.  XDR encodes into `buf`; seed_write() puts
 * the selector byte in front when it writes the file.
 */
struct seed {
	char buf[4096];
	XDR x;
};

static void seed_start(struct seed *s)
{
	xdrmem_create(&s->x, s->buf, sizeof(s->buf), XDR_ENCODE);
}

static int seed_put(struct seed *s, xdrproc_t proc, void *obj)
{
	if (!proc(&s->x, obj))
		return error("cannot encode a seed message");
	return 0;
}

static int seed_write(struct seed *s, int sel, const char *name)
{
	unsigned char out[sizeof(s->buf) + 1];
	u_int len = xdr_getpos(&s->x);

	out[0] = (unsigned char)sel;
	memcpy(out + 1, s->buf, len);
	xdr_destroy(&s->x);
	return write_file("xdr", name, out, len + 1);
}

static int one(int sel, const char *name, xdrproc_t proc, void *obj)
{
	struct seed s;

	seed_start(&s);
	if (seed_put(&s, proc, obj) < 0)
		return -1;
	return seed_write(&s, sel, name);
}

/* A call header for `proc`, with AUTH_SYS credentials when `sys`. */
static int call(const char *name, u_long proc, int sys, xdrproc_t args_xdr, void *args)
{
	char cred[MAX_AUTH_BYTES];
	gid_t gids[2] = { 100, 27 };
	struct authunix_parms au = { 1700000000, "worker-host", 1000, 1000, 2, gids };
	struct rpc_msg msg;
	struct seed s;

	memset(&msg, 0, sizeof(msg));
	msg.rm_xid = 0x1234;
	msg.rm_direction = CALL;
	msg.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	msg.rm_call.cb_prog = MR_PROG;
	msg.rm_call.cb_vers = MR_VERS;
	msg.rm_call.cb_proc = proc;
	msg.rm_call.cb_cred.oa_flavor = AUTH_NONE;
	msg.rm_call.cb_verf.oa_flavor = AUTH_NONE;
	if (sys) {
		XDR cx;

		xdrmem_create(&cx, cred, sizeof(cred), XDR_ENCODE);
		if (!xdr_authunix_parms(&cx, &au))
			return error("cannot encode AUTH_SYS credentials");
		msg.rm_call.cb_cred.oa_flavor = AUTH_SYS;
		msg.rm_call.cb_cred.oa_base = cred;
		msg.rm_call.cb_cred.oa_length = xdr_getpos(&cx);
		xdr_destroy(&cx);
	}
	seed_start(&s);
	if (seed_put(&s, (xdrproc_t)xdr_callmsg, &msg) < 0)
		return -1;
	if (args_xdr && seed_put(&s, args_xdr, args) < 0)
		return -1;
	return seed_write(&s, SEL_CALL, name);
}

static int xdr_seeds(void)
{
	mr_ask_args ask = { 4242, "" };
	mr_report_args rep_ok = { .kind = MR_TASK_MAP, .task_id = 3, .attempt = 17,
				  .ok = TRUE, .worker_pid = 4242, .errmsg = "",
				  .bad_record = -1, .fetch_map = -1, .fetch_host = "", .fetch_addr = "" };
	mr_report_args rep_fail = { .kind = MR_TASK_REDUCE, .task_id = 1, .attempt = 18,
				    .ok = FALSE, .worker_pid = 4243,
				    .errmsg = "cannot open mr-2-1: No such file or directory",
				    .bad_record = -1, .failure = MR_FAIL_ENGINE,
				    .fetch_map = -1, .fetch_host = "", .fetch_addr = "" };
	mr_report_reply rr = { MR_REPORT_ACCEPTED, TRUE, 7, 5 };
	mr_ask_reply map, reduce, wait, done;
	mr_job_param params[2] = {
		{ .key = "map", .value = { 14, "python3 map.py" } },
		{ .key = "tag", .value = { 3, "\xff\tx" } },
	};
	int rc = 0;

	memset(&map, 0, sizeof(map));
	map.attempt = 7;
	map.task.kind = MR_TASK_MAP;
	map.task.mr_assignment_u.map.file = "pg-being_ernest.txt";
	map.task.mr_assignment_u.map.map_id = 2;
	map.task.mr_assignment_u.map.nreduce = 10;
	map.task.mr_assignment_u.map.offset = 0;
	map.task.mr_assignment_u.map.length = -1;
	map.params.params_len = 2;
	map.params.params_val = params;
	memset(&reduce, 0, sizeof(reduce));
	reduce.attempt = 12;
	reduce.task.kind = MR_TASK_REDUCE;
	reduce.task.mr_assignment_u.reduce.reduce_id = 4;
	reduce.task.mr_assignment_u.reduce.nmap = 8;
	memset(&wait, 0, sizeof(wait));
	wait.wait_ms = 100;
	wait.task.kind = MR_TASK_WAIT;
	memset(&done, 0, sizeof(done));
	done.task.kind = MR_TASK_EXIT;
	map.output_dir = wait.output_dir = done.output_dir = "";
	reduce.output_dir = "results";

	rc |= call("call-null", NULLPROC, 0, NULL, NULL);
	rc |= call("call-ask", MR_ASK, 0, (xdrproc_t)xdr_mr_ask_args, &ask);
	rc |= call("call-report-authsys", MR_REPORT, 1, (xdrproc_t)xdr_mr_report_args,
		   &rep_fail);
	rc |= one(SEL_ASK_ARGS, "ask-args", (xdrproc_t)xdr_mr_ask_args, &ask);
	rc |= one(SEL_REPORT_ARGS, "report-args-ok", (xdrproc_t)xdr_mr_report_args,
		  &rep_ok);
	rc |= one(SEL_REPORT_ARGS, "report-args-fail", (xdrproc_t)xdr_mr_report_args,
		  &rep_fail);
	rc |= one(SEL_ASK_REPLY, "ask-reply-map", (xdrproc_t)xdr_mr_ask_reply, &map);
	rc |= one(SEL_ASK_REPLY, "ask-reply-reduce", (xdrproc_t)xdr_mr_ask_reply, &reduce);
	rc |= one(SEL_ASK_REPLY, "ask-reply-wait", (xdrproc_t)xdr_mr_ask_reply, &wait);
	rc |= one(SEL_ASK_REPLY, "ask-reply-exit", (xdrproc_t)xdr_mr_ask_reply, &done);
	rc |= one(SEL_REPORT_REPLY, "report-reply", (xdrproc_t)xdr_mr_report_reply, &rr);
	rc |= one(SEL_ASSIGNMENT, "assignment-map", (xdrproc_t)xdr_mr_assignment,
		  &map.task);
	rc |= one(SEL_ASSIGNMENT, "assignment-reduce", (xdrproc_t)xdr_mr_assignment,
		  &reduce.task);
	return rc ? -1 : 0;
}

static int ifile_seed_kv(const char *name, const struct kvbuf *b)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/ifile/%s", outdir, name);
	return runio_write(path, b);
}

static int ifile_seed(const char *name, const char *const *kv, size_t n)
{
	struct kvbuf b;
	int rc;

	kvbuf_init(&b);
	for (size_t i = 0; i < n; i++)
		if (kvbuf_add(&b, kv[2 * i], strlen(kv[2 * i]), kv[2 * i + 1],
			      strlen(kv[2 * i + 1])) < 0) {
			kvbuf_release(&b);
			return -1;
		}
	rc = ifile_seed_kv(name, &b);
	kvbuf_release(&b);
	return rc;
}

/* Binary keys and values, a record larger than the reader's 4 KiB buffer, many records. */
static int ifile_seeds_built(void)
{
	static const char bin_key[] = "k\0\xff\xff\xff\xff";
	static const char bin_val[] = "\xff\xff\xff\xff\0\0\0\0MRKV";
	char big[5000], key[16];
	struct kvbuf b;
	int rc = 0;

	kvbuf_init(&b);
	rc |= kvbuf_add(&b, "", 0, "", 0);
	rc |= kvbuf_add(&b, bin_key, sizeof(bin_key) - 1, bin_val, sizeof(bin_val) - 1);
	rc |= ifile_seed_kv("binary", &b);
	kvbuf_clear(&b);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	rc |= kvbuf_add(&b, "before", 6, "1", 1);
	rc |= kvbuf_add(&b, "big", 3, big, sizeof(big));
	rc |= kvbuf_add(&b, "after", 5, "2", 1);
	rc |= ifile_seed_kv("big-record", &b);
	kvbuf_clear(&b);
	for (int i = 0; i < 100; i++) {
		int n = snprintf(key, sizeof(key), "w%03d", i);

		rc |= kvbuf_add(&b, key, (size_t)n, "1", 1);
	}
	rc |= ifile_seed_kv("many-records", &b);
	kvbuf_release(&b);
	return rc ? -1 : 0;
}

static int ifile_seeds(void)
{
	static const char *const three[] = {
		"Ernest", "1", "being", "1", "important", "",
	};
	static const char *const one_empty_key[] = { "", "x" };
	/* The same three records in format version 1 (no checksum): must be refused. */
	static const unsigned char version1[] = {
		'M', 'R', 'K', 'V', 1, 0, 0, 0,
		6, 0, 0, 0, 1, 0, 0, 0, 'E', 'r', 'n', 'e', 's', 't', '1',
		5, 0, 0, 0, 1, 0, 0, 0, 'b', 'e', 'i', 'n', 'g', '1',
		9, 0, 0, 0, 0, 0, 0, 0, 'i', 'm', 'p', 'o', 'r', 't', 'a', 'n', 't',
		0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0,
	};
	int rc = 0;

	rc |= write_file("ifile", "empty", "", 0);
	rc |= write_file("ifile", "version-1", version1, sizeof(version1));
	rc |= ifile_seed("no-records", NULL, 0);
	rc |= ifile_seed("three-records", three, 3);
	rc |= ifile_seed("empty-key", one_empty_key, 1);
	rc |= ifile_seeds_built();
	return rc ? -1 : 0;
}

/* A frame seed: the selector byte, then n bytes. */
static int frame_seed(const char *name, int sel, const void *d, size_t n)
{
	unsigned char out[4096];

	if (n + 1 > sizeof(out))
		return error("frame seed %s is too long", name);
	out[0] = (unsigned char)sel;
	memcpy(out + 1, d, n);
	return write_file("frame", name, out, n + 1);
}

/* Frames as a stream: three good ones, and each way a stream goes bad. */
static int frame_stream_seeds(void)
{
	static const char *const text[] = { "mr_ask 4242", "", "map 2 pg-being_ernest.txt" };
	unsigned char f[3][AUTH_FRAME_LEN(64)], buf[3 * sizeof(f[0])];
	size_t len[3], n = 0;
	struct auth_session tx;
	int rc = 0;

	frame_fuzz_session(&tx);
	for (int i = 0; i < 3; i++) {
		len[i] = AUTH_FRAME_LEN(strlen(text[i]));
		if (auth_seal(&tx, text[i], strlen(text[i]), f[i]) < 0) {
			error("cannot seal a seed frame: %s", auth_why(&tx));
			auth_session_clear(&tx);
			return -1;
		}
		memcpy(buf + n, f[i], len[i]);
		n += len[i];
	}
	auth_session_clear(&tx);
	rc |= frame_seed("stream-three", FRAME_SEL_STREAM, buf, n);
	rc |= frame_seed("stream-truncated", FRAME_SEL_STREAM, buf, n - 1);
	memcpy(buf, f[0], len[0]);
	memcpy(buf + len[0], f[0], len[0]);
	rc |= frame_seed("stream-replayed", FRAME_SEL_STREAM, buf, 2 * len[0]);
	memcpy(buf, f[1], len[1]);
	memcpy(buf + len[1], f[0], len[0]);
	rc |= frame_seed("stream-reordered", FRAME_SEL_STREAM, buf, len[0] + len[1]);
	memcpy(buf, f[0], len[0]);
	buf[AUTH_HEADER_LEN] ^= 0x01;
	rc |= frame_seed("stream-flipped", FRAME_SEL_STREAM, buf, len[0]);
	memset(buf, 'x', 64);
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (FRAME_FUZZ_MAX + 1) >> 8;
	buf[3] = (FRAME_FUZZ_MAX + 1) & 0xff;
	rc |= frame_seed("stream-too-long", FRAME_SEL_STREAM, buf, 64);
	return rc ? -1 : 0;
}

/* A real HELLO (and a wrong PROOF), a HELLO of another version, HTTP; payloads to seal. */
static int frame_other_seeds(void)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: coordinator:7070\r\n"
				   "User-Agent: curl/7.88\r\nAccept: */*\r\n\r\n";
	static unsigned char key[32] = "any secret will do for a HELLO.";
	struct secret k = { key, sizeof(key) };
	unsigned char buf[AUTH_HELLO_LEN + AUTH_PROOF_LEN + 40];
	struct auth_hs hs;
	int rc = 0;

	if (auth_client_hello(&hs, &k, buf) < 0)
		return error("cannot make a HELLO: %s", auth_why_hs(&hs));
	auth_hs_clear(&hs);
	memset(buf + AUTH_HELLO_LEN, 0, AUTH_PROOF_LEN);
	memcpy(buf + AUTH_HELLO_LEN + AUTH_PROOF_LEN, "a payload that travels both ways", 32);
	rc |= frame_seed("handshake-hello", FRAME_SEL_HANDSHAKE, buf,
			 AUTH_HELLO_LEN + AUTH_PROOF_LEN + 32);
	buf[7] = 2;
	rc |= frame_seed("handshake-version-2", FRAME_SEL_HANDSHAKE, buf, AUTH_HELLO_LEN);
	rc |= frame_seed("handshake-http", FRAME_SEL_HANDSHAKE, http, sizeof(http) - 1);
	rc |= frame_seed("seal-text", FRAME_SEL_SEAL, "mr_report map 3 ok", 18);
	rc |= frame_seed("seal-empty", FRAME_SEL_SEAL, "", 0);
	return rc ? -1 : 0;
}

static int make_dir(const char *sub)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s%s%s", outdir, sub ? "/" : "", sub ? sub : "");
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return error_errno("cannot create %s", path);
	return 0;
}

int main(int argc, char **argv)
{
	log_init("gen_seeds", 0);
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (make_dir(NULL) < 0 || make_dir("xdr") < 0 || make_dir("ifile") < 0 ||
	    make_dir("frame") < 0)
		return 1;
	if (xdr_seeds() < 0 || ifile_seeds() < 0 || frame_stream_seeds() < 0 ||
	    frame_other_seeds() < 0)
		return 1;
	return 0;
}
