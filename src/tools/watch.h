/*
 * watch.h - show a snapshot again and again until it is the last, as
 * watch(1) does with a command: `mrctl status --watch`.
 *
 * Every interval a draw callback writes one frame (a whole snapshot) into
 * a buffer, and the frame is written to stdout in one piece: on a terminal
 * after moving the cursor home and clearing the screen, so it replaces the
 * one before; elsewhere (a pipe, a file) after a blank line, so the frames
 * follow one another.  Frames are drawn on a fixed beat (the interval from
 * the first frame's start), not an interval after each frame ends.
 *
 * SIGINT, SIGTERM and SIGHUP end the loop between frames: the frame on the
 * screen stays, and watch_run() returns 0.  A second such signal (when the
 * first arrives in the middle of drawing a frame that hangs) ends the
 * process at once, as it would without us.  The signals' dispositions are
 * restored before watch_run() returns.  When nobody reads stdout any
 * more (a closed pipe: EPIPE, for a caller that ignores SIGPIPE) the loop
 * ends quietly too.
 */
#ifndef MR_WATCH_H
#define MR_WATCH_H

#include <stdio.h>

enum watch_step {
	WATCH_LAST = 0,  /* that frame was the final one: stop */
	WATCH_AGAIN = 1  /* draw again after the interval */
};

/*
 * Write one frame into `out` (a memory stream; the frame is shown only
 * when the callback returns).  WATCH_AGAIN, WATCH_LAST, or -1 after
 * printing why: the loop stops and that frame is not shown.
 */
typedef int (*watch_draw_fn)(void *ctx, FILE *out);

/*
 * Draw with `draw` (passing `ctx`) every `interval_ms` until it returns
 * WATCH_LAST, a signal comes or stdout's reader has gone: 0.  -1 when `draw` failed, or stdout
 * could not be written (printed once).
 */
int watch_run(watch_draw_fn draw, void *ctx, int interval_ms);

#endif
