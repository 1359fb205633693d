/* keysort.c - see keysort.h. */
#include "shuffle/keysort.h"

#include "common/util.h"

#include <stdlib.h>

#define less keysort_less

static int cmp(const void *x, const void *y)
{
	return less(x, y) ? -1 : less(y, x);
}

static void insertion_sort(struct sortkey *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct sortkey t = a[i];
		size_t j = i;

		for (; j > 0 && less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

static inline void swap(struct sortkey *a, struct sortkey *b)
{
	struct sortkey t = *a;

	*a = *b;
	*b = t;
}

static void quick_sort(struct sortkey *a, size_t n, int depth)
{
	while (n > 16) {
		size_t lo = 0, hi = n - 1, mid = n / 2, i, j;
		struct sortkey pivot;

		if (depth-- == 0) {
			qsort(a, n, sizeof(*a), cmp);
			return;
		}
		if (less(&a[mid], &a[lo]))
			swap(&a[mid], &a[lo]);
		if (less(&a[hi], &a[lo]))
			swap(&a[hi], &a[lo]);
		if (less(&a[hi], &a[mid]))
			swap(&a[hi], &a[mid]);
		pivot = a[mid];
		/*
		 * Hoare partition: a[0..j] <= pivot <= a[j+1..n-1].  The scans
		 * stop at the pivot's copy or at a[lo]/a[hi], so they stay inside.
		 */
		i = 0;
		j = n - 1;
		for (;;) {
			while (less(&a[i], &pivot))
				i++;
			while (less(&pivot, &a[j]))
				j--;
			if (i >= j)
				break;
			swap(&a[i], &a[j]);
			i++;
			j--;
		}
		/* Recurse into the smaller side, loop on the larger. */
		if (j + 1 < n - j - 1) {
			quick_sort(a, j + 1, depth);
			a += j + 1;
			n -= j + 1;
		} else {
			quick_sort(a + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(a, n);
}

/* Byte d (0 .. 15) of the 16 prefix bytes. */
static inline unsigned digit(const struct sortkey *s, int d)
{
	return d < 8 ? (unsigned)(s->p0 >> (56 - 8 * d)) & 0xff
		     : (unsigned)(s->p1 >> (56 - 8 * (d - 8))) & 0xff;
}

#define RADIX_MIN 64

/*
 * Most significant byte first radix sort on the prefix bytes, from byte d
 * on; `tmp` has room for n.  Buckets are scattered in order, so the sort
 * stays stable; small buckets, and keys that share all 16 prefix bytes, go
 * to the comparison sort.
 */
static void radix_sort(struct sortkey *a, struct sortkey *tmp, size_t n, int d)
{
	size_t count[256], off[256];

	while (n >= RADIX_MIN && d < 16) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[digit(&a[i], d)]++;
		if (count[digit(&a[0], d)] == n) {
			d++;	/* one bucket: go on with the next byte */
			continue;
		}
		off[0] = 0;
		for (int b = 1; b < 256; b++)
			off[b] = off[b - 1] + count[b - 1];
		for (size_t i = 0; i < n; i++)
			tmp[off[digit(&a[i], d)]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
		for (size_t b = 0, start = 0; b < 256; start += count[b], b++)
			if (count[b] > 1)
				radix_sort(a + start, tmp + start, count[b], d + 1);
		return;
	}
	if (n > 1) {
		int depth = 0;

		for (size_t m = n; m; m >>= 1)
			depth += 2;
		quick_sort(a, n, depth);
	}
}

void keysort_tmp(struct sortkey *a, struct sortkey *tmp, size_t n)
{
	radix_sort(a, tmp, n, n < RADIX_MIN ? 16 : 0);
}

void keysort(struct sortkey *a, size_t n)
{
	struct sortkey *tmp;

	if (n < RADIX_MIN) {
		radix_sort(a, NULL, n, 16);
		return;
	}
	tmp = xmalloc(n * sizeof(*tmp));
	radix_sort(a, tmp, n, 0);
	free(tmp);
}
