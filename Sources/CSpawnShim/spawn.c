#define _GNU_SOURCE
#include "bpfgate_spawn.h"

#include <fcntl.h>
#include <unistd.h>

int bpfgate_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int bpfgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
