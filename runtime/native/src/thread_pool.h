// A small fixed thread pool shared by every native kernel (and the gemm in gemm/).
//
// Size: SCALIFY_NUM_THREADS (an integer ≥ 1) when set and valid, else all cores
// (std::thread::hardware_concurrency). The calling thread takes part in every job, so a pool of
// n threads starts n − 1 workers. A parallel_for issued from inside a job runs serially on the
// calling thread (no nested parallelism, no deadlock). A task that throws does not end the
// process: the remaining tasks are skipped and the first exception is rethrown to the caller.
#pragma once

#include <cstdint>
#include <functional>

namespace scalify {

class ThreadPool {
 public:
  /** The process-wide pool, created on first use. */
  static ThreadPool& instance();

  /** Threads that work on a job, the caller included (≥ 1). */
  int num_threads() const { return num_threads_; }

  /**
   * Calls fn(begin, end) on disjoint chunks covering [0, n), each at least `grain` long (but the
   * last), spread over the pool's threads; returns when all are done. Runs inline when n ≤ grain,
   * when the pool has one thread, or when called from inside a job.
   */
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  /**
   * Calls fn(task) for every task in [0, n_tasks) (tasks are handed out dynamically, one at a
   * time); returns when all are done. For coarse tasks such as gemm tiles.
   */
  void run_tasks(int64_t n_tasks, const std::function<void(int64_t)>& fn);

  /**
   * Rouses sleeping workers, which then spin for a while as after a job, ready for the next one:
   * a plan calls it as it starts, so that waking them (tens of µs to over 100 µs on a VM) overlaps
   * its first, small instructions instead of delaying its first parallel one.
   */
  void wake();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  explicit ThreadPool(int n);
  ~ThreadPool();
  struct Impl;
  Impl* impl_;
  int num_threads_;
};

/** The thread count the pool uses (reads SCALIFY_NUM_THREADS once). */
int configured_num_threads();

}  // namespace scalify
