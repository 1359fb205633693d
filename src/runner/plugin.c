/* plugin.c - see plugin.h. */
#include "runner/plugin.h"

#include "common/log.h"
#include "common/util.h"
#include "runner/pluginpath.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define KEEP_LOADED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_LOADED 1
#endif
#endif
#ifndef KEEP_LOADED
#define KEEP_LOADED 0
#endif

/* Look up a required symbol; report dlerror() when it is missing. */
static void *need(struct plugin *p, const char *name)
{
	void *sym;

	dlerror();
	sym = dlsym(p->handle, name);
	if (!sym) {
		const char *why = dlerror();

		error("plugin %s lacks the required symbol %s: %s", p->path, name,
		      why ? why : "symbol is NULL");
	}
	return sym;
}

int plugin_load(struct plugin *p, const char *path)
{
	const unsigned *abi;
	const char *combiner;
	char *open_path;

	memset(p, 0, sizeof(*p));
	if (pluginpath_find(path, &p->path) < 0)
		return -1;
	path = p->path;
	/* dlopen("x.so") would search the library path; we mean ./x.so. */
	if (strchr(path, '/')) {
		open_path = xstrdup(path);
	} else {
		open_path = xmalloc(strlen(path) + 3);
		strcpy(open_path, "./");
		strcat(open_path, path);
	}
	p->handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
	free(open_path);
	if (!p->handle) {
		error("cannot load plugin %s: %s", path, dlerror());
		goto fail;
	}
	abi = need(p, "mr_abi_version");
	if (!abi)
		goto fail;
	if (*abi != MR_ABI_VERSION) {
		error("plugin %s has ABI version %u; this engine needs version %u "
		      "(rebuild the plugin against this mapreduce.h)",
		      path, *abi, MR_ABI_VERSION);
		goto fail;
	}
	*(void **)&p->map_record = dlsym(p->handle, "mr_map_record");
	if (p->map_record)
		*(void **)&p->map = dlsym(p->handle, "mr_map");
	else
		*(void **)&p->map = need(p, "mr_map");
	if (!p->map && !p->map_record)
		goto fail;
	*(void **)&p->reduce = need(p, "mr_reduce");
	if (!p->reduce)
		goto fail;
	*(void **)&p->combine = dlsym(p->handle, "mr_combine");
	*(void **)&p->partition = dlsym(p->handle, "mr_partition");
	*(void **)&p->task_start = dlsym(p->handle, "mr_task_start");
	*(void **)&p->task_end = dlsym(p->handle, "mr_task_end");
	combiner = dlsym(p->handle, "mr_combiner");
	if (combiner) {
		if (strnlen(combiner, 64) == 64 || strcmp(combiner, "sum") != 0) {
			error("plugin %s names the built-in combiner '%.*s' in mr_combiner; "
			      "this engine has only \"sum\"", path,
			      (int)strnlen(combiner, 32), combiner);
			goto fail;
		}
		p->combine_sum = 1;
	}
	dlerror();
	return 0;
fail:
	plugin_close(p);
	return -1;
}

void plugin_close(struct plugin *p)
{
	if (p->handle && !KEEP_LOADED)
		dlclose(p->handle);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

unsigned plugin_default_partition(const char *key, size_t klen, unsigned nreduce)
{
	return mr_default_partition(key, klen, nreduce);
}

mr_partition_fn plugin_partition_rule(const struct plugin *p)
{
	return p->partition ? p->partition : plugin_default_partition;
}
