/*
 * mrsequential - runs a plugin's map over every input and its reduce over
 * all keys in one process, writing mr-out-0.  The reference the tests
 * compare the distributed engine against.
 */
#include "common/afile.h"
#include "common/faults.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"
#include "runner/fileio.h"
#include "runner/plugin.h"
#include "runner/runner.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrsequential [--plugin-combiner] PLUGIN.so INPUT...\n"
		"Run PLUGIN's map over every INPUT and its reduce over every key, in one\n"
		"process, and write the result, sorted by key, to mr-out-0.\n"
		"PLUGIN is a path, or a name (wc, wc.so) looked for in the current\n"
		"directory, then in $MR_PLUGIN_PATH, then among the bundled plugins.\n"
		"  --plugin-combiner  combine with the plugin's mr_combine even when it\n"
		"                     names a built-in combiner (mr_combiner)\n"
		"Exit status: 0 done, 1 failed, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	struct plugin plugin;
	struct runner rn;
	struct mapout mo;
	struct merger m;
	char out[JOBDIR_NAME_MAX];
	int rc = 1, plugin_combiner = 0;

	log_init("mrsequential", 0);
	faults_init("mrsequential");
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--plugin-combiner")) {
		plugin_combiner = 1;
		argv++;
		argc--;
	}
	if (argc > 1 && !strcmp(argv[1], "--")) {
		argv++;
		argc--;
	}
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (argv[i][0] == '-' && argv[i][1]) {
			error("unknown option %s", argv[i]);
			usage(stderr);
			return 2;
		}
	if (argc < 3) {
		error(argc < 2 ? "no plugin given" : "no input files");
		usage(stderr);
		return 2;
	}
	filebuf_explain_sigbus("mrsequential");
	if (plugin_load(&plugin, argv[1]) < 0)
		return 1;
	if (plugin_combiner)
		plugin.combine_sum = 0;
	raise_fd_limit();
	runner_init(&rn, &plugin, RUNNER_DEFAULT_BUDGET);
	mapout_init(&mo, &rn.ops, 1, &rn.budget, &rn.cache);
	merger_init(&m);
	for (int i = 2; i < argc; i++) {
		struct map_spec spec = { .file = argv[i], .map_id = i - 2, .nreduce = 1,
					 .offset = 0, .length = -1 };

		if (runner_map_input(&rn, &spec, &mo) < 0)
			goto out;
	}
	if (mapout_finish(&mo) < 0 || mapout_merger(&mo, 0, &m) < 0 ||
	    runner_reduce_merged(&rn, &m, jobdir_output(out, 0)) < 0 ||
	    afile_sync_path(out) < 0)
		goto out;
	afile_sync_dir(out);
	rc = 0;
out:
	merger_release(&m);
	mapout_release(&mo);
	runner_release(&rn);
	plugin_close(&plugin);
	return rc;
}
