/*
 * mrsequential - runs a plugin's map over every input and its reduce over
 * all keys in one process, writing mr-out-0.  The reference the tests
 * compare the distributed engine against.
 */
#include "common/afile.h"
#include "common/faults.h"
#include "common/inputs.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/params.h"
#include "common/util.h"
#include "runner/fileio.h"
#include "runner/plugin.h"
#include "runner/runner.h"
#include "runner/zinput.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrsequential [options] PLUGIN.so INPUT...\n"
		"Run PLUGIN's map over every INPUT and its reduce over every key, in one\n"
		"process, and write the result, sorted by key, to mr-out-0.  INPUTs are\n"
		"taken as mrcoordinator takes them: a directory stands for every regular\n"
		"file under it (sorted, hidden ones skipped), .gz, .zst and .xz inputs\n"
		"are read decompressed, and each input must be named once.\n"
		"PLUGIN is a path, or a name (wc, wc.so) looked for in the current\n"
		"directory, then in $MR_PLUGIN_PATH, then among the bundled plugins.\n"
		"  --plugin-combiner  combine with the plugin's mr_combine even when it\n"
		"                     names a built-in combiner (mr_combiner)\n"
		"  --param KEY=VALUE  a job parameter for the plugin (mr_param), as\n"
		"                     mrcoordinator's; repeatable\n"
		"  --inputs-from FILE more INPUTs, one per line ('-': standard input;\n"
		"                     empty lines skipped, no comments)\n"
		"  -o, --output DIR   write mr-out-0 in DIR (made if missing) instead of\n"
		"                     the current directory\n"
		"  --input-limit SIZE the most a compressed input may decompress to\n"
		"                     (default 4G)\n"
		"Exit status: 0 done, 1 failed, 2 usage error.\n");
}

/* What the command line says besides the plugin, its inputs and --param. */
struct seq_options {
	int plugin_combiner;
	const char *inputs_from; /* --inputs-from FILE, or NULL */
	const char *output_dir;  /* --output DIR, or NULL: the current directory */
	uint64_t input_limit;    /* --input-limit */
};

/* The command line.  0 to run, 1 after --help, 2 after a usage error (said). */
static int parse_options(int argc, char **argv, struct seq_options *o, struct params *ps)
{
	static const struct option longopts[] = {
		{ "plugin-combiner", no_argument, NULL, 'C' },
		{ "param", required_argument, NULL, 'P' },
		{ "inputs-from", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "input-limit", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* our own messages */
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case 'C':
			o->plugin_combiner = 1;
			break;
		case 'i':
			if (o->inputs_from) {
				error("--inputs-from may be given once");
				goto usage;
			}
			o->inputs_from = optarg;
			break;
		case 'o':
			/* Room for "/mr-out-0" in a path (common/jobdir.h). */
			if (!*optarg || strlen(optarg) > JOBDIR_PATH_MAX - 64) {
				error("--output must be a directory name of 1 to %d bytes",
				      JOBDIR_PATH_MAX - 64);
				goto usage;
			}
			o->output_dir = optarg;
			break;
		case 'I':
			if (parse_size(optarg, 1, 1ull << 50, &o->input_limit) < 0) {
				error("--input-limit must be a size of at least 1 byte "
				      "(e.g. 4G), not '%s'", optarg);
				goto usage;
			}
			break;
		case 'P':
			if (params_add_arg(ps, optarg) < 0)
				goto usage;
			break;
		case ':':
			error("option %s needs an argument", argv[optind - 1]);
			goto usage;
		default:
			error("unknown option %s", argv[optind - 1]);
			goto usage;
		}
	}
	if (argc - optind < 1 || (argc - optind < 2 && !o->inputs_from)) {
		error(argc - optind < 1 ? "no plugin given" : "no input files");
		goto usage;
	}
	return 0;
usage:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct plugin plugin;
	struct params params;
	struct runner rn;
	struct mapout mo;
	struct merger m;
	struct seq_options o = { .input_limit = ZINPUT_DEFAULT_LIMIT };
	struct inputs in;
	char out[JOBDIR_PATH_MAX];
	int rc;

	log_init("mrsequential", 0);
	faults_init("mrsequential");
	params_init(&params);
	rc = parse_options(argc, argv, &o, &params);
	if (rc != 0) {
		params_release(&params);
		return rc == 1 ? 0 : 2;
	}
	argv += optind - 1; /* argv[1] is the plugin, argv[2..] the inputs */
	argc -= optind - 1;
	rc = 1;
	/* The inputs as mrcoordinator takes them (common/inputs.h). */
	inputs_init(&in);
	for (int i = 2; i < argc; i++)
		if (inputs_add(&in, argv[i]) < 0)
			goto out_inputs;
	if ((o.inputs_from && inputs_add_list(&in, o.inputs_from) < 0) ||
	    inputs_check(&in) < 0 || (o.output_dir && jobdir_make_output(o.output_dir) < 0))
		goto out_inputs;
	filebuf_explain_sigbus("mrsequential");
	if (plugin_load(&plugin, argv[1]) < 0)
		goto out_inputs;
	if (o.plugin_combiner)
		plugin.combine_sum = 0;
	raise_fd_limit();
	runner_init(&rn, &plugin, RUNNER_DEFAULT_BUDGET);
	runner_set_params(&rn, &params);
	rn.input_limit = o.input_limit;
	mapout_init(&mo, &rn.ops, 1, &rn.budget, &rn.cache);
	merger_init(&m);
	for (size_t i = 0; i < in.n; i++) {
		struct map_spec spec = { .file = in.names[i], .map_id = (int)i, .nreduce = 1,
					 .offset = 0, .length = -1 };

		if (runner_map_input(&rn, &spec, &mo) < 0)
			goto out;
	}
	if (mapout_finish(&mo) < 0 || mapout_merger(&mo, 0, &m) < 0 ||
	    runner_reduce_merged(&rn, &m, 0, jobdir_output_path(out, o.output_dir, 0)) < 0 ||
	    afile_sync_path(out) < 0)
		goto out;
	afile_sync_dir(out);
	rc = 0;
out:
	merger_release(&m);
	mapout_release(&mo);
	runner_release(&rn);
	plugin_close(&plugin);
out_inputs:
	inputs_release(&in);
	params_release(&params);
	return rc;
}
