/*
 * zinput.h - reading a compressed input whole: gzip through zlib, zstd
 * through libzstd, xz through liblzma (which one: common/inputs.h's
 * inputs_codec(), from the name).
 *
 * A compressed input is never split (the coordinator makes it one map
 * task), and its decompressed data is held whole in memory like a plain
 * input's, but in malloc'd memory rather than a mapping of the file.  To
 * keep a small file that decompresses to a huge one (a decompression
 * bomb) from taking the machine's memory, the decompressed size may not
 * pass `limit` bytes (mrworker's and mrsequential's --input-limit,
 * default ZINPUT_DEFAULT_LIMIT): past it the read fails, saying so, before
 * more than limit + 1 bytes were ever held.
 *
 * Concatenated streams (gzip members, zstd frames, xz streams) are read
 * one after the other, as the command-line tools read them.  A file that
 * holds no complete stream (empty, cut short) or anything that is not
 * one of the format's streams is corrupt.
 *
 * Errors: -1 after printing one message naming the file, the format and
 * the library's own text (zlib's msg, ZSTD_getErrorName, or liblzma's
 * error code with what it means), or the limit; *fb is then empty.
 */
#ifndef MR_ZINPUT_H
#define MR_ZINPUT_H

#include "common/inputs.h"
#include "runner/fileio.h"

#include <stdint.h>

/* The default limit on one input's decompressed size: 4 GiB. */
#define ZINPUT_DEFAULT_LIMIT (4ull << 30)

/*
 * Decompress `path`, stored as `codec` (not INPUT_PLAIN), into fb (data,
 * len, offset 0, a '\0' after the data; free with filebuf_release).  0 or
 * -1.
 */
int zinput_read(struct filebuf *fb, const char *path, enum input_codec codec,
		uint64_t limit);

#endif
