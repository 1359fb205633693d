/* options.c - see options.h. */
#include "coordinator/options.h"

#include "common/log.h"
#include "common/util.h"
#include "coordinator/jlog.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrcoordinator [options] INPUT...\n"
		"Run one MapReduce job: one map task per INPUT file, then the reduce\n"
		"tasks; workers (mrworker) connect over a Unix socket.  The job\n"
		"directory is the current directory; results are mr-out-0..mr-out-(N-1).\n"
		"An INPUT that is a directory stands for every regular file under it\n"
		"(sorted, hidden ones skipped); .gz, .zst and .xz inputs are read\n"
		"decompressed, each one whole map task.\n"
		"\n"
		"      --inputs-from FILE more INPUTs, one per line ('-': standard input;\n"
		"                         empty lines skipped, no comments)\n"
		"  -o, --output DIR       put mr-out-R and mr-report.json in DIR (made if\n"
		"                         missing) instead of the job directory\n"
		"  -n, --nreduce N        number of reduce tasks (default 10, at most %d)\n"
		"  -t, --task-timeout SEC re-issue a task not reported within SEC seconds\n"
		"                         (default 10; fractions allowed)\n"
		"  -s, --socket PATH      socket to serve on (default $MR_SOCKET, else\n"
		"                         /var/tmp/5840-mr-UID)\n"
		"  -l, --listen HOST:PORT also serve workers on other hosts over TCP\n"
		"                         (0.0.0.0:7070, [::]:7070); alone, instead of\n"
		"                         the socket.  Needs --secret-file\n"
		"      --secret-file FILE the job's shared secret (mode 0600, at least\n"
		"                         32 bytes: scripts/mksecret.sh FILE)\n"
		"      --max-attempts K   fail the job when one task has failed K times\n"
		"                         (default 4)\n"
		"      --split-size SIZE  cut input files larger than SIZE into several\n"
		"                         map tasks at line boundaries (default 64M;\n"
		"                         K, M, G suffixes)\n"
		"      --no-backup        never start backup attempts of slow tasks\n"
		"      --skip-bad-records map line by line (plugins with mr_map_record)\n"
		"                         and skip a line that crashes the plugin\n"
		"      --keep-intermediate  keep the mr-M-R intermediate files\n"
		"      --recover          carry on the job whose journal (mr-journal) is\n"
		"                         in the job directory, after its coordinator\n"
		"                         died or the job failed; the same INPUTs and\n"
		"                         options as the first run\n"
		"      --keep-journal     keep mr-journal after the job is done\n"
		"      --no-journal       keep no journal (no --recover possible)\n"
		"      --commit-interval MS  at most one journal sync per MS ms\n"
		"                         (default %d; 0: one per loop pass)\n"
		"      --param KEY=VALUE  a job parameter for the plugin (mr_param);\n"
		"                         repeatable; KEY is [A-Za-z0-9_.-], at most\n"
		"                         64 bytes; VALUE at most 4096 bytes\n"
		"  -v, --verbose          log every assignment (twice: debug)\n"
		"  -q, --quiet            log errors only\n"
		"  -h, --help             show this help\n"
		"Exit status: 0 job done, 1 job failed or interrupted (the journal is\n"
		"kept for --recover), 2 usage error (also: a journal is there but no\n"
		"--recover, or it is another job's).\n",
		MAX_NREDUCE, JLOG_COMMIT_MS);
}

static int parse_timeout(const char *s, int64_t *ms)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(s, &end);
	if (errno || end == s || *end || !(sec > 0) || sec > 86400)
		return -1;
	*ms = (int64_t)(sec * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

void coord_options_init(struct coord_options *o)
{
	memset(o, 0, sizeof(*o));
	o->job.nreduce = 10;
	o->job.timeout_ms = 10000;
	o->job.max_attempts = 4;
	o->job.wait_ms = 20;
	o->job.backup = 1;
	o->log_level = LOG_NORMAL;
	o->split_size = 64ull << 20;
	params_init(&o->params);
	o->job.params = &o->params;
	o->commit_ms = JLOG_COMMIT_MS;
}

void coord_options_release(struct coord_options *o)
{
	params_release(&o->params);
}

/* Say what is wrong with option `c` (':' missing argument, else unknown) on `err`; -1. */
static int bad_option(int c, char **argv, FILE *err)
{
	if (c == ':')
		fprintf(err, "mrcoordinator: option %s needs an argument\n", argv[optind - 1]);
	/* Inside a group like -xv, argv[optind - 1] is not the culprit. */
	else if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
		fprintf(err, "mrcoordinator: unknown option -%c\n", optopt);
	else
		fprintf(err, "mrcoordinator: unknown option %s\n", argv[optind - 1]);
	return -1;
}

/*
 * Apply option `c` (any but -h) with its argument `arg` (getopt's optarg).
 * 0, or -1 after saying on `err` what is wrong.
 */
static int apply_option(struct coord_options *o, int c, const char *arg, char **argv,
			FILE *err)
{
	long v;

	switch (c) {
	case 'n':
		if (parse_long(arg, 1, MAX_NREDUCE, &v) < 0) {
			fprintf(err, "mrcoordinator: --nreduce must be an integer "
				"from 1 to %d, not '%s'\n", MAX_NREDUCE, arg);
			return -1;
		}
		o->job.nreduce = (int)v;
		return 0;
	case 't':
		if (parse_timeout(arg, &o->job.timeout_ms) < 0) {
			fprintf(err, "mrcoordinator: --task-timeout must be a number "
				"of seconds > 0 and <= 86400, not '%s'\n", arg);
			return -1;
		}
		return 0;
	case 'l':
		o->listen = arg;
		return 0;
	case 'k':
		o->secret_file = arg;
		return 0;
	case 's':
		o->socket = arg;
		return 0;
	case 'A':
		if (parse_long(arg, 1, 1000000, &v) < 0) {
			fprintf(err, "mrcoordinator: --max-attempts must be an "
				"integer from 1 to 1000000, not '%s'\n", arg);
			return -1;
		}
		o->job.max_attempts = (unsigned)v;
		return 0;
	case 'K':
		o->keep_intermediate = 1;
		return 0;
	case 'r':
		o->recover = 1;
		return 0;
	case 'j':
		o->keep_journal = 1;
		return 0;
	case 'J':
		o->no_journal = 1;
		return 0;
	case 'B':
		o->job.backup = 0;
		return 0;
	case 'R':
		o->job.skip_bad_records = 1;
		return 0;
	case 'S':
		if (parse_size(arg, 1, 1ull << 50, &o->split_size) < 0) {
			fprintf(err, "mrcoordinator: --split-size must be a size of "
				"at least 1 byte (e.g. 64M), not '%s'\n", arg);
			return -1;
		}
		return 0;
	case 'P':
		if (params_add_arg(&o->params, arg) < 0)
			return -1;
		return 0;
	case 'I':
		if (parse_long(arg, 0, 60000, &v) < 0) {
			fprintf(err, "mrcoordinator: --commit-interval must be a number of "
				"milliseconds from 0 to 60000, not '%s'\n", arg);
			return -1;
		}
		o->commit_ms = (int)v;
		return 0;
	case 'v':
		o->log_level = o->log_level < LOG_NORMAL ? LOG_VERBOSE
			     : o->log_level >= LOG_DEBUG ? LOG_DEBUG
			     : o->log_level + 1;
		return 0;
	case 'q':
		o->log_level = LOG_QUIET;
		return 0;
	case 'i':
		if (o->inputs_from) {
			fprintf(err, "mrcoordinator: --inputs-from may be given once\n");
			return -1;
		}
		o->inputs_from = arg;
		return 0;
	case 'o':
		/* Room for "/mr-out-R" in a path of the protocol's length. */
		if (!*arg || strlen(arg) > MR_MAX_PATH - 64) {
			fprintf(err, "mrcoordinator: --output must be a directory name of "
				"1 to %d bytes\n", MR_MAX_PATH - 64);
			return -1;
		}
		o->output_dir = arg;
		return 0;
	default:
		return bad_option(c, argv, err);
	}
}

int coord_options_parse(struct coord_options *o, int argc, char **argv,
			FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{ "nreduce", required_argument, NULL, 'n' },
		{ "task-timeout", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "secret-file", required_argument, NULL, 'k' },
		{ "max-attempts", required_argument, NULL, 'A' },
		{ "keep-intermediate", no_argument, NULL, 'K' },
		{ "split-size", required_argument, NULL, 'S' },
		{ "no-backup", no_argument, NULL, 'B' },
		{ "recover", no_argument, NULL, 'r' },
		{ "keep-journal", no_argument, NULL, 'j' },
		{ "no-journal", no_argument, NULL, 'J' },
		{ "skip-bad-records", no_argument, NULL, 'R' },
		{ "inputs-from", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "param", required_argument, NULL, 'P' },
		{ "commit-interval", required_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* full reset, so tests may parse many times */
	opterr = 0; /* we print our own messages */
	while ((c = getopt_long(argc, argv, ":n:t:s:l:o:vqh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(out);
			return 1;
		}
		if (apply_option(o, c, optarg, argv, err) < 0)
			goto usage;
	}
	if (optind >= argc && !o->inputs_from) {
		fprintf(err, "mrcoordinator: no input files\n");
		goto usage;
	}
	if (o->listen && !o->secret_file) {
		fprintf(err, "mrcoordinator: --listen needs --secret-file: TCP peers "
			"must prove they know the job's secret\n");
		goto usage;
	}
	if (o->no_journal && (o->recover || o->keep_journal)) {
		fprintf(err, "mrcoordinator: --no-journal cannot go with %s\n",
			o->recover ? "--recover" : "--keep-journal");
		goto usage;
	}
	o->first_input = optind;
	return 0;
usage:
	fprintf(err, "usage: mrcoordinator [options] INPUT...\n"
		"Try 'mrcoordinator --help' for more information.\n");
	return 2;
}
