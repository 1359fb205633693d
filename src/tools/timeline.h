/*
 * timeline.h - a picture of a job: its report (mr-report.json, see
 * coordinator/report.h) drawn as one static SVG document, for
 * `mrctl timeline`.
 *
 * What is drawn:
 *   - a header: the outcome and the job's time, nMap and nReduce, how many
 *     workers, and the attempts in all, by outcome (done, failed, timed
 *     out, superseded, running), the backups among them, and those
 *     recovered from a journal;
 *   - one lane per worker process (its host and pid on a TCP job, its pid
 *     on the Unix socket), in the order of their first attempts' starts;
 *   - one bar per attempt, from its start to its end (to the job's end for
 *     one still running when the job was interrupted): maps blue, reduces
 *     green; a failed attempt outlined in red, a timed-out one in black, a
 *     superseded one faded, a backup hatched, a running one dashed.  Each
 *     bar has a tooltip (<title>: the task, its input, the attempt, how and
 *     when it ended, the worker's error), class names ("map"|"reduce", then
 *     "done"|"failed"|"timedout"|"superseded"|"running"|"other", then
 *     "backup" for a backup) and data-attempts="N", how many attempts it
 *     stands for (see below);
 *   - a dashed line where the reduce phase began (the earliest start of a
 *     reduce attempt), and a time axis in seconds since the job started.
 * Attempts recovered from a journal have no times: counted, not drawn.
 *
 * Size.  At most TIMELINE_MAX_LANES lanes are drawn; the workers beyond
 * them (those that started last) are summed up in one "+N workers" line.
 * Within a lane, bars of one kind (map or reduce, outcome, backup or not)
 * narrower than a pixel are merged while each starts within a pixel of
 * the previous one's end, into one bar (drawn at least two pixels wide,
 * as is any bar, to be seen; its title and data-attempts say how many
 * attempts it holds).  So a lane holds at
 * most about one bar per pixel of width and kind however many tasks the
 * job had, and the picture of a 10,000-task job stays small.
 *
 * The document stands alone: no script, nothing fetched from elsewhere.
 * Every string taken from the report (file names and error texts are
 * user input) goes through xml_escape() (tools/xmlesc.h), so it is
 * well-formed XML whatever the bytes.
 */
#ifndef MR_TIMELINE_H
#define MR_TIMELINE_H

#include <jansson.h>
#include <stdio.h>

#define TIMELINE_MAX_LANES 64

/*
 * Draw the report `root` (borrowed) on `out`; `name` is where the report
 * came from, for messages.  0, or -1 after printing why when `root` is no
 * job report (no tasks, or a task or attempt that is not an object).
 * Write errors are left in ferror(out) for the caller.
 */
int timeline_write_svg(json_t *root, const char *name, FILE *out);

#endif
