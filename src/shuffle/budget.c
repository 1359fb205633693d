/* budget.c - see budget.h. */
#include "shuffle/budget.h"

#include "common/util.h"

void budget_init(struct budget *b, uint64_t memory)
{
	b->memory = memory;
	b->combine = memory / 8 > BUDGET_MIN_COMBINE ? memory / 8 : BUDGET_MIN_COMBINE;
	b->parts = memory / 8 > BUDGET_MIN_PARTS ? memory / 8 : BUDGET_MIN_PARTS;
	b->reads = memory / 4;
}

uint64_t budget_parts(const struct budget *b, int combining)
{
	uint64_t all = b->memory / 8 * 3;

	return combining || all < b->parts ? b->parts : all;
}

size_t budget_read_buffer(const struct budget *b, size_t nruns)
{
	uint64_t each;

	if (nruns == 0)
		return 0;
	each = b->reads / nruns;
	return each > BUDGET_MAX_READ_BUFFER ? BUDGET_MAX_READ_BUFFER : (size_t)each;
}

size_t budget_fan_in(const struct budget *b)
{
	size_t n = fd_budget(BUDGET_FD_RESERVE);
	uint64_t by_memory = b->reads / BUDGET_MIN_READ_BUFFER;

	if (by_memory < n)
		n = (size_t)by_memory;
	return n < 2 ? 2 : n;
}

size_t budget_spill_fds(unsigned nparts)
{
	size_t n = fd_budget(BUDGET_FD_RESERVE);

	return n < 2 * (size_t)nparts ? 2 * (size_t)nparts : n;
}
