/*
 * mrfetch - fetch one run from a worker's fetch service as a reduce
 * would (worker/fetch.h: authenticated, checked as it arrives), for
 * tests/test-reconnect.sh: proof that a service still serves its map
 * output while the coordinator is away.
 *
 * usage: mrfetch SECRET_FILE HOST:PORT MAP REDUCE DIR
 *
 * Fetches run mr-MAP-REDUCE from HOST:PORT into DIR (which must exist),
 * every step bounded by 3 s.  Prints "ok" and exits 0, or prints the
 * fetch failure and exits 1; 2 on a usage error.
 */
#include "common/log.h"
#include "common/util.h"
#include "net/secret.h"
#include "worker/fetch.h"

#include <signal.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct secret k;
	struct fetch_failure f = { 0 };
	struct fetch_src src;
	long m, r;
	int rc;

	log_init("mrfetch", 0);
	if (argc != 6 || parse_long(argv[3], 0, 1 << 30, &m) < 0 ||
	    parse_long(argv[4], 0, 1 << 30, &r) < 0) {
		fprintf(stderr, "usage: mrfetch SECRET_FILE HOST:PORT MAP REDUCE DIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (secret_load(&k, argv[1]) < 0)
		return 2;
	src = (struct fetch_src){ (int)m, argv[2] };
	rc = fetch_runs(&k, argv[5], (int)r, &src, 1, 3000, &f);
	if (rc == 0)
		printf("ok\n");
	else
		printf("%s\n", f.why);
	secret_release(&k);
	return rc == 0 ? 0 : 1;
}
