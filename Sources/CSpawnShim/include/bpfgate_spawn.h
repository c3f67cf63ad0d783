#ifndef BPFGATE_SPAWN_H
#define BPFGATE_SPAWN_H

#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close on exec, so no other child inherits them (GNU, not imported by Swift).
int bpfgate_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path` (glibc 2.29+).
int bpfgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
