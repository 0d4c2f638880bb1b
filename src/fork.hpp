// Surviving fork(): what keeps a forked child from hanging on its first parallel call.
//
// GCC's OpenMP runtime (libgomp) keeps, per thread that opens top-level teams, a pool
// of worker threads that it reuses for the next team; every OpenMP user on that thread
// shares it (this library, the program's own OpenMP code, PyTorch built on libgomp).
// fork() copies the pool's bookkeeping into the child but not its threads, so the
// first team the child opens on that thread waits forever for workers that do not
// exist. Only reuse of that pool hangs: a thread created in the child starts with no
// pool, and nested teams never use one.
//
// The mechanism (fork.cpp): a pthread_atfork `prepare` handler releases the forking
// thread's pool just before fork() (omp_pause_resource_all(omp_pause_soft): the idle
// workers are joined), whoever opened it. The child then starts with no pool and opens
// teams of the full size, like its parent, and so do its own children; the parent's
// next team starts its workers again (well under a millisecond). Should the runtime
// refuse to release the pool after this library opened a team on that thread, the
// `child` handler marks the child's copy of the thread as one that must not open a
// team: calls from it run on the calling thread (bitwise the same results) and
// get_num_threads() reports 1 there; other threads of the child are not affected.
//
// The handlers are installed once per process: when the library is loaded (a static
// initializer of this file, which parallel.cpp's reference keeps in any link), and in
// any case, through std::call_once, before the library opens its first team
// (note_team_ahead, from threads_for). So the shared library, the static library and
// the Python package all have them before any team of theirs exists.
//
// Not covered: a pool inherited across a fork() that happened before the library was
// loaded into the process (or an ancestor). Nothing can release it (its workers are
// gone); OpenMP teams on that thread hang, this library's included.
#pragma once

namespace projection::detail {

// Called before this thread opens an OpenMP region of more than one thread (by
// threads_for when it returns more than 1): makes sure the fork handlers are
// installed, and notes a top-level team on this thread.
void note_team_ahead();

// False on a thread that must not open a team: the child's copy of a thread that
// forked after this library opened a team on it, when its pool could not be released.
// Such a thread computes alone.
bool thread_may_open_team();

// Test hook: true makes the `prepare` handler skip releasing the pool, as a runtime
// that cannot release it would, so that the fallback can be tested.
void skip_pool_release_for_testing(bool skip);

}  // namespace projection::detail
