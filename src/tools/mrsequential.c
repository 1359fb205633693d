/*
 * mrsequential - runs a plugin's map over every input and its reduce over
 * all keys in one process, writing mr-out-0.  The reference the tests
 * compare the distributed engine against.
 */
#include "common/afile.h"
#include "common/faults.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/params.h"
#include "common/util.h"
#include "runner/fileio.h"
#include "runner/plugin.h"
#include "runner/runner.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrsequential [options] PLUGIN.so INPUT...\n"
		"Run PLUGIN's map over every INPUT and its reduce over every key, in one\n"
		"process, and write the result, sorted by key, to mr-out-0.\n"
		"PLUGIN is a path, or a name (wc, wc.so) looked for in the current\n"
		"directory, then in $MR_PLUGIN_PATH, then among the bundled plugins.\n"
		"  --plugin-combiner  combine with the plugin's mr_combine even when it\n"
		"                     names a built-in combiner (mr_combiner)\n"
		"  --param KEY=VALUE  a job parameter for the plugin (mr_param), as\n"
		"                     mrcoordinator's; repeatable\n"
		"Exit status: 0 done, 1 failed, 2 usage error.\n");
}

/* The command line.  0 to run, 1 after --help, 2 after a usage error (said). */
static int parse_options(int argc, char **argv, int *plugin_combiner,
			 struct params *ps)
{
	static const struct option longopts[] = {
		{ "plugin-combiner", no_argument, NULL, 'C' },
		{ "param", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* our own messages */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 1;
		case 'C':
			*plugin_combiner = 1;
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
	if (argc - optind < 2) {
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
	char out[JOBDIR_NAME_MAX];
	int rc, plugin_combiner = 0;

	log_init("mrsequential", 0);
	faults_init("mrsequential");
	params_init(&params);
	rc = parse_options(argc, argv, &plugin_combiner, &params);
	if (rc != 0) {
		params_release(&params);
		return rc == 1 ? 0 : 2;
	}
	argv += optind - 1; /* argv[1] is the plugin, argv[2..] the inputs */
	argc -= optind - 1;
	rc = 1;
	filebuf_explain_sigbus("mrsequential");
	if (plugin_load(&plugin, argv[1]) < 0) {
		params_release(&params);
		return 1;
	}
	if (plugin_combiner)
		plugin.combine_sum = 0;
	raise_fd_limit();
	runner_init(&rn, &plugin, RUNNER_DEFAULT_BUDGET);
	runner_set_params(&rn, &params);
	mapout_init(&mo, &rn.ops, 1, &rn.budget, &rn.cache);
	merger_init(&m);
	for (int i = 2; i < argc; i++) {
		struct map_spec spec = { .file = argv[i], .map_id = i - 2, .nreduce = 1,
					 .offset = 0, .length = -1 };

		if (runner_map_input(&rn, &spec, &mo) < 0)
			goto out;
	}
	if (mapout_finish(&mo) < 0 || mapout_merger(&mo, 0, &m) < 0 ||
	    runner_reduce_merged(&rn, &m, 0, jobdir_output(out, 0)) < 0 ||
	    afile_sync_path(out) < 0)
		goto out;
	afile_sync_dir(out);
	rc = 0;
out:
	merger_release(&m);
	mapout_release(&mo);
	runner_release(&rn);
	plugin_close(&plugin);
	params_release(&params);
	return rc;
}
