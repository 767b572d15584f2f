/* catd-thread.c - background threads that yield to the operators
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "catd-thread.h"

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2
#define IOPRIO_WHO_PROCESS 1

/**
 * catd_thread_lower_priority:
 * @what: the thread's work, for the debug log
 * @nice_value: %CATD_NICE_BACKGROUND or %CATD_NICE_IDLE
 *
 * Makes the calling thread background work: CPU priority @nice_value (on
 * Linux a nice value belongs to the thread) and the lowest I/O priority of
 * the best-effort class. On the station's two
 * cores, work that can wait (the upload, the extra threads of a page's
 * encode) must not slow the operators' captures or the screen's frames;
 * idle moments still go entirely to it, only contention changes hands.
 * Best effort: a refusal (a container's policy) leaves the thread as it was.
 */
void
catd_thread_lower_priority (const char *what,
                            int         nice_value)
{
  pid_t tid = (pid_t) syscall (SYS_gettid);

  if (getpriority (PRIO_PROCESS, (id_t) tid) < nice_value &&
      setpriority (PRIO_PROCESS, (id_t) tid, nice_value) != 0)
    g_debug ("%s: the thread keeps its CPU priority: %s", what, g_strerror (errno));
#ifdef SYS_ioprio_set
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
               (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7) != 0)
    g_debug ("%s: the thread keeps its I/O priority: %s", what, g_strerror (errno));
#endif
}
